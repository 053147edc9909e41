using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MoDE.Classify;
using MoDE.Cluster;
using MoDE.Route;
using MoDE.Cli.Serve;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Eval;
using MoDE.Split;
using MoDE.Tests.Data;

namespace MoDE.Tests.Classify;

/// <summary><c>mode serve</c> started in this process on a loopback port and called with a real <see cref="HttpClient"/>.</summary>
[Collection(TinyRunCollection.Name)]
public class ClassifyServerTests(TinyRun tiny)
{
    HttpClient Client() => new() { BaseAddress = tiny.Server.Address, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>The tiny run's first task as eval loads it, and its images as PNG files (lossless, so they decode to the same pixels).</summary>
    (ClassificationTask Task, List<byte[]> Png) Images()
    {
        var task = (ClassificationTask)TaskFolder.Load(EvalStage.TaskFolders(tiny.Run, new EvalOptions())[0], EvalStage.ImageSize(tiny.Run));
        return (task, HeldOutSplit.Encode([.. Enumerable.Range(0, task.Images.Count).Select(i => task.Images.Image(i).ToArray())], task.Images.Width, task.Images.Height));
    }

    static MultipartFormDataContent Form(IEnumerable<byte[]> images, string? classes, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        int i = 0;
        foreach (var image in images)
        {
            var content = new ByteArrayContent(image);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(content, "image", $"{i++}.png");
        }
        if (classes is not null) form.Add(new StringContent(classes), "classes");
        foreach (var (name, value) in fields) form.Add(new StringContent(value), name);
        return form;
    }

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    static async Task<(HttpStatusCode Status, JsonNode Body)> Post(HttpClient client, HttpContent content)
    {
        // Expect: 100-continue, so a body the server refuses by its length is not sent (the server closes the connection)
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/classify") { Content = content, Headers = { ExpectContinue = true } };
        using var response = await client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    /// <summary>The library's answer for the same images (decoded from the same PNG bytes) and classes.</summary>
    Classification Library(IReadOnlyList<byte[]> png, IReadOnlyList<string> classes, IReadOnlyList<string>? templates = null)
    {
        using var images = tiny.Ensemble.Decode([.. png.Select((b, i) => ($"images[{i}]", b))]);
        return tiny.Ensemble.Classify(images, classes, templates);
    }

    static void AssertAnswers(Classification expected, JsonNode body)
    {
        Assert.Equal(expected.Routing, body["routing"]!.GetValue<string>());
        Assert.Equal(expected.Weights, body["weights"]!.AsObject().Select(w => w.Value!.GetValue<double>()));
        var images = body["images"]!.AsArray();
        Assert.Equal(expected.Images.Count, images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            // requests batched together give features that differ in the last bits from those of the images alone
            Assert.Equal(expected.Images[i].Top.Select(t => t.Class), images[i]!["top"]!.AsArray().Select(t => t!["class"]!.GetValue<string>()));
            Assert.Equal(expected.Images[i].Probabilities, expected.Classes.Select(c => images[i]!["probabilities"]![c]!.GetValue<double>()), (a, b) => Math.Abs(a - b) < 1e-6);
        }
    }

    [Fact]
    public async Task Answers_equal_the_librarys_and_the_eval_stages_routed_prediction()
    {
        var (task, png) = Images();
        using var client = Client();
        var subset = png.Take(4).ToList();
        string classes = string.Join(",", task.Prompts.Classes);
        var (status, body) = await Post(client, Form(subset, classes, [.. task.Prompts.Templates.Select(t => ("templates", t))]));
        Assert.Equal(HttpStatusCode.OK, status);
        var expected = Library(subset, task.Prompts.Classes, task.Prompts.Templates);
        AssertAnswers(expected, body);
        // the same pixels as eval's task images: the PNGs decode to them, so the answer is eval's prediction for them
        var fromTask = tiny.Ensemble.Classify(task.Images, task.Prompts.Classes, task.Prompts.Templates);
        Assert.Equal(fromTask.Images.Take(4).SelectMany(i => i.Scores), expected.Images.SelectMany(i => i.Scores), (a, b) => Math.Abs(a - b) < 1e-5f);
        Assert.Equal(fromTask.Images.Take(4).Select(i => i.Top[0].Class), expected.Images.Select(i => i.Top[0].Class));
        // the JSON body with base64 images gives the same answer
        var json = new JsonObject
        {
            ["images"] = new JsonArray([.. subset.Select(b => (JsonNode)Convert.ToBase64String(b))]),
            ["classes"] = new JsonArray([.. task.Prompts.Classes.Select(c => (JsonNode)c)]),
            ["templates"] = new JsonArray([.. task.Prompts.Templates.Select(t => (JsonNode)t)]),
        };
        var (jsonStatus, jsonBody) = await Post(client, Json(json.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, jsonStatus);
        AssertAnswers(expected, jsonBody);
    }

    [Fact]
    public async Task Concurrent_requests_get_their_own_answers()
    {
        var (_, png) = Images();
        string[][] lists = [["circle", "square"], ["star", "heart", "arrow"], ["letter A", "digit 2"], ["plaid", "zigzag", "brick", "wave"], ["sky", "forest"]];
        using var client = Client();
        var requests = Enumerable.Range(0, 20).Select(async r =>
        {
            var images = new[] { png[r % png.Count], png[(3 * r + 1) % png.Count] }.Take(1 + r % 2).ToList();
            var classes = lists[r % lists.Length];
            var (status, body) = await Post(client, Form(images, string.Join(",", classes), ("routing", r % 3 == 0 ? "paper" : "code")));
            return (images, classes, Routing: r % 3 == 0 ? "paper" : "code", status, body);
        }).ToList();
        foreach (var (images, classes, routing, status, body) in await Task.WhenAll(requests))
        {
            Assert.Equal(HttpStatusCode.OK, status);
            using var set = tiny.Ensemble.Decode([.. images.Select((b, i) => ($"images[{i}]", b))]);
            AssertAnswers(tiny.Ensemble.Classify(set, classes, routing: RoutingOptions.Parse(routing)), body);
        }
    }

    [Fact]
    public async Task The_experts_and_health_endpoints_describe_the_run()
    {
        using var client = Client();
        var experts = JsonNode.Parse(await client.GetStringAsync("/v1/experts"))!;
        var report = ClusterReport.Load(tiny.Run.ClusterReport);
        var listed = experts["experts"]!.AsArray();
        Assert.Equal(RunModels.Experts(tiny.Run), listed.Count);
        for (int c = 0; c < listed.Count; c++)
        {
            Assert.Equal(RunModels.Expert(c), listed[c]!["model"]!.GetValue<string>());
            Assert.Equal(report.Coarse[c].Captions, listed[c]!["captions"]!.GetValue<int>());
            Assert.Equal(report.Coarse[c].Words, listed[c]!["words"]!.AsArray().Select(w => w!.GetValue<string>()));
        }
        var health = JsonNode.Parse(await client.GetStringAsync("/healthz"))!;
        Assert.Equal("ok", health["status"]!.GetValue<string>());
        Assert.Equal(tiny.Ensemble.ImageSize, health["image_size"]!.GetValue<int>());
    }

    /// <summary>A request body of each kind of bad input, against <see cref="TinyRun.ServeLimits"/>.</summary>
    static HttpContent Bad(string kind, byte[] good) => kind switch
    {
        "not-an-image" => Form(["this is a caption, not an image"u8.ToArray()], "cat,dog"),
        "empty-image" => Form([[]], "cat,dog"),
        "truncated-image" => Form([TestImages.Noise(256, 256, seed: 3)[..4000]], "cat,dog"),
        "decompression-bomb" => Form([TestImages.BombHeader(100_000)], "cat,dog"),
        "image-over-byte-limit" => Form([new byte[(1 << 20) + 1]], "cat,dog"),
        "too-many-images" => Form(Enumerable.Repeat(good, 5), "cat,dog"),
        "no-image" => Form([], "cat,dog"),
        "missing-classes" => Form([good], null),
        "empty-class-list" => Form([good], " "),
        "empty-class-name" => Form([good], "cat,,dog"),
        "too-many-classes" => Form([good], string.Join(",", Enumerable.Range(0, 101).Select(i => $"class {i}"))),
        "class-name-too-long" => Form([good], new string('x', 301) + ",dog"),
        "class-named-twice" => Form([good], "cat,Cat"),
        "template-without-braces" => Form([good], "cat,dog", ("templates", "a photo"), ("templates", "a {} again")),
        "unknown-template-set" => Form([good], "cat,dog", ("templates", "imagenet81")),
        "top-zero" => Form([good], "cat,dog", ("top", "0")),
        "top-not-a-number" => Form([good], "cat,dog", ("top", "three")),
        "unknown-routing" => Form([good], "cat,dog", ("routing", "oracle")),
        "unknown-field" => Form([good], "cat,dog", ("colour", "red")),
        "image-as-text" => Form([], "cat,dog", ("images", Convert.ToBase64String(good))),
        "json-not-json" => Json("{\"images\": [\"abc\""),
        "json-not-an-object" => Json("[1, 2]"),
        "json-image-not-base64" => Json("{\"images\": [\"not base64!\"], \"classes\": [\"cat\"]}"),
        "json-classes-a-number" => Json($"{{\"images\": [\"{Convert.ToBase64String(good)}\"], \"classes\": 3}}"),
        "json-missing-images" => Json("{\"classes\": [\"cat\"]}"),
        "plain-text-body" => new StringContent("cat,dog", Encoding.UTF8, "text/plain"),
        "body-over-limit" => Form(Enumerable.Repeat(new byte[1 << 20], 7), "cat,dog"),
        _ => throw new ArgumentException(kind, nameof(kind)),
    };

    [Theory]
    [Trait("Hostile", "class11")]
    [InlineData("not-an-image", 400, "images[0]")]
    [InlineData("empty-image", 400, "images[0]")]
    [InlineData("truncated-image", 400, "images[0]")]
    [InlineData("decompression-bomb", 400, "images[0]")]
    [InlineData("image-over-byte-limit", 413, "images[0]")]
    [InlineData("too-many-images", 400, "images")]
    [InlineData("no-image", 400, "images")]
    [InlineData("missing-classes", 400, "classes")]
    [InlineData("empty-class-list", 400, "classes")]
    [InlineData("empty-class-name", 400, "classes[1]")]
    [InlineData("too-many-classes", 400, "classes")]
    [InlineData("class-name-too-long", 400, "classes[0]")]
    [InlineData("class-named-twice", 400, "classes")]
    [InlineData("template-without-braces", 400, "templates")]
    [InlineData("unknown-template-set", 400, "templates")]
    [InlineData("top-zero", 400, "top")]
    [InlineData("top-not-a-number", 400, "top")]
    [InlineData("unknown-routing", 400, "routing")]
    [InlineData("unknown-field", 400, "colour")]
    [InlineData("image-as-text", 400, "images")]
    [InlineData("json-not-json", 400, "body")]
    [InlineData("json-not-an-object", 400, "body")]
    [InlineData("json-image-not-base64", 400, "images[0]")]
    [InlineData("json-classes-a-number", 400, "classes")]
    [InlineData("json-missing-images", 400, "images")]
    [InlineData("plain-text-body", 415, "Content-Type")]
    [InlineData("body-over-limit", 413, "body")]
    public async Task A_bad_request_gets_its_4xx_naming_the_field_and_the_server_keeps_serving(string kind, int status, string field)
    {
        var (_, png) = Images();
        using var client = Client();
        var (got, body) = await Post(client, Bad(kind, png[0]));
        Assert.True(status == (int)got, $"{kind}: {(int)got} {body.ToJsonString()}");
        Assert.Equal(field, body["field"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["error"]!.GetValue<string>()));
        Assert.DoesNotContain("\n", body["error"]!.GetValue<string>());
        var (after, _) = await Post(client, Form([png[0]], "cat,dog"));
        Assert.Equal(HttpStatusCode.OK, after);
    }

    /// <summary>A JSON body sent in two parts, the second when <see cref="Release"/> is set: a request in flight for as long as the test wants.</summary>
    sealed class HeldBody(string json) : HttpContent
    {
        public readonly TaskCompletionSource Started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            Started.SetResult();
            await Release.Task;
            await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = Encoding.UTF8.GetByteCount(json);
            return true;
        }
    }

    [Fact]
    public async Task Stopping_answers_the_request_in_flight_then_refuses_connections()
    {
        var (task, png) = Images();
        var server = await ClassifyServer.StartAsync(tiny.Ensemble, TinyRun.ServeLimits);
        using var client = new HttpClient { BaseAddress = server.Address };
        var body = new HeldBody(new JsonObject
        {
            ["images"] = new JsonArray((JsonNode)Convert.ToBase64String(png[0])),
            ["classes"] = new JsonArray([.. task.Prompts.Classes.Select(c => (JsonNode)c)]),
        }.ToJsonString()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        var inFlight = client.PostAsync("/v1/classify", body);
        await body.Started.Task;
        var stopping = server.StopAsync();
        Assert.False(stopping.IsCompleted); // it waits for the request whose body is still arriving
        body.Release.SetResult();
        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertAnswers(Library([png[0]], task.Prompts.Classes), JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        await stopping;
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync(new Uri(server.Address, "/healthz")));
        await server.DisposeAsync();
    }
}
