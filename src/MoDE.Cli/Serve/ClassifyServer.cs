using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MoDE.Classify;

namespace MoDE.Cli.Serve;

/// <summary>
/// <c>mode serve</c>: an <see cref="ExpertEnsemble"/> over HTTP, on ASP.NET Core's Kestrel with minimal API endpoints:
/// <c>POST /v1/classify</c> (<see cref="ClassifyRequest"/>; the answer is <see cref="Classification.ToJson"/>),
/// <c>GET /v1/experts</c> (what each expert is about, from the run's cluster report) and <c>GET /healthz</c>. Images of
/// requests that arrive together are encoded in one batch (<see cref="ImageBatcher"/>). A refused request gets its 4xx
/// and <c>{"error": ..., "field": ...}</c>; a request past <see cref="ServeOptions.RequestSeconds"/> gets a 503. Only
/// the caller stops the server (<see cref="StopAsync"/>: no new connections, requests in flight answered, up to
/// <see cref="ServeOptions.RequestSeconds"/>), never a signal handler of its own.
/// </summary>
public sealed class ClassifyServer : IAsyncDisposable
{
    readonly WebApplication app;
    readonly ImageBatcher batcher;
    bool stopped;

    ClassifyServer(WebApplication app, ImageBatcher batcher, Uri address)
    {
        this.app = app;
        this.batcher = batcher;
        Address = address;
    }

    /// <summary>Where the server listens (the port the system picked when <see cref="ServeOptions.Port"/> is 0).</summary>
    public Uri Address { get; }

    /// <summary>The batches the models have encoded so far.</summary>
    public long Batches => batcher.Batches;

    /// <summary>Starts serving <paramref name="ensemble"/> (which the caller keeps and disposes after <see cref="StopAsync"/>).</summary>
    public static async Task<ClassifyServer> StartAsync(ExpertEnsemble ensemble, ServeOptions options, CancellationToken cancel = default)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(options.RequestSeconds));
        builder.Services.Configure<FormOptions>(f =>
        {
            f.MultipartBodyLengthLimit = options.MaxRequestBytes;
            f.ValueCountLimit = options.MaxClasses + options.MaxTemplates + options.MaxImages + 8;
            f.ValueLengthLimit = Math.Max(f.ValueLengthLimit, options.MaxClasses * (options.MaxTextLength + 1));
        });
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        var app = builder.Build();
        var batcher = new ImageBatcher(ensemble, options.BatchImages);
        app.MapGet("/healthz", () => Results.Json(new JsonObject
        {
            ["status"] = "ok", ["models"] = new JsonArray([.. ensemble.ModelNames.Select(m => (JsonNode)m)]), ["image_size"] = ensemble.ImageSize,
        }));
        app.MapGet("/v1/experts", () => Results.Json(Experts(ensemble)));
        app.MapPost("/v1/classify", (Delegate)((HttpContext http) => Classify(http, ensemble, batcher, options)));
        try { await app.StartAsync(cancel); }
        catch
        {
            await batcher.DisposeAsync();
            await app.DisposeAsync();
            throw;
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ClassifyServer(app, batcher, new Uri(address));
    }

    static async Task<IResult> Classify(HttpContext http, ExpertEnsemble ensemble, ImageBatcher batcher, ServeOptions options)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        limit.CancelAfter(TimeSpan.FromSeconds(options.RequestSeconds));
        try
        {
            var request = await ClassifyRequest.Read(http.Request, options, limit.Token);
            using var images = Decode(ensemble, request, options);
            var features = await batcher.Encode(images, limit.Token);
            var answer = ensemble.Classify(features, request.Classes, request.Templates, request.Routing, request.Top);
            return Results.Json(answer.ToJson([.. request.Images.Select(i => i.Name)], ensemble.ModelNames));
        }
        catch (RefusedRequest refused)
        {
            return Refusal(refused.Status, refused.Field, refused.Message);
        }
        catch (BadHttpRequestException e) // Kestrel's and the form reader's own limits (body size, form values)
        {
            return Refusal(e.StatusCode, "body", e.Message);
        }
        catch (InvalidDataException e) when (!limit.IsCancellationRequested) // the form reader's limits on multipart sections
        {
            return Refusal(StatusCodes.Status400BadRequest, "body", e.Message);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested)
        {
            return Refusal(StatusCodes.Status503ServiceUnavailable, "request", $"not answered within {options.RequestSeconds} s; try again or send fewer images");
        }
    }

    /// <summary>The request's images decoded as <c>mode eval</c>'s task images; an image that cannot be used is refused, naming it.</summary>
    static MoDE.Data.ImageSet Decode(ExpertEnsemble ensemble, ClassifyRequest request, ServeOptions options)
    {
        try { return ensemble.Decode(request.Images, options.DecodeLimits); }
        catch (InvalidDataException e)
        {
            int colon = e.Message.IndexOf(':');
            throw new RefusedRequest(StatusCodes.Status400BadRequest, colon > 0 ? e.Message[..colon] : "images", colon > 0 ? e.Message[(colon + 1)..].Trim() : e.Message);
        }
    }

    static IResult Refusal(int status, string field, string reason) => Results.Json(new JsonObject { ["error"] = reason, ["field"] = field }, statusCode: status);

    /// <summary>Each expert's model, share of the captions and most characteristic words (the cluster report's coarse clusters).</summary>
    static JsonObject Experts(ExpertEnsemble ensemble)
    {
        var report = ensemble.Report;
        int captions = report?.Captions ?? 0;
        return new JsonObject
        {
            ["source"] = ensemble.Source,
            ["routing"] = ensemble.Options.Models == EnsembleModels.Experts ? ensemble.Options.Routing.Name : "none",
            ["experts"] = new JsonArray([.. ensemble.ModelNames.Select((model, c) =>
            {
                var expert = new JsonObject { ["expert"] = c, ["model"] = model };
                if (ensemble.Options.Models == EnsembleModels.Experts && report is not null && c < report.Coarse.Count)
                {
                    var cluster = report.Coarse[c];
                    expert["captions"] = cluster.Captions;
                    expert["share"] = captions == 0 ? 0 : (double)cluster.Captions / captions;
                    expert["fine_clusters"] = cluster.Children;
                    expert["words"] = new JsonArray([.. cluster.Words.Select(w => (JsonNode)w)]);
                    var domains = new JsonObject();
                    foreach (var (domain, count) in cluster.Domains) domains[domain] = count;
                    expert["domains"] = domains;
                }
                return (JsonNode)expert;
            })]),
        };
    }

    /// <summary>Stops accepting connections, answers the requests in flight (up to <see cref="ServeOptions.RequestSeconds"/>), then stops the batcher.</summary>
    public async Task StopAsync()
    {
        if (stopped) return;
        stopped = true;
        await app.StopAsync();
        await batcher.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await app.DisposeAsync();
    }

    /// <summary>A host lifetime that leaves stopping to the caller: the CLI's Ctrl+C and SIGTERM handling, or a test.</summary>
    sealed class CallerLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
