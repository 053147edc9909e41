using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoDE.Cli;

namespace MoDE.Tests.Cli;

/// <summary><c>mode serve</c> run as the command runs it: it serves until its stop token (Ctrl+C, SIGTERM) fires, then exits 0.</summary>
[Collection(TinyRunCollection.Name)]
public sealed partial class ServeVerbTests(TinyRun tiny)
{
    [GeneratedRegex(@"on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex Listening();

    [Fact]
    public async Task It_serves_until_stopped_then_exits_0()
    {
        var written = new StringWriter();
        var output = TextWriter.Synchronized(written); // the verb writes from its thread while the test reads
        string Written() { lock (output) return written.ToString(); }
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(() => ModeCli.Invoke(["serve", "--run", tiny.Run.Root, "--port", "0", "--routing", "calibrated"], stop.Token,
            new InvocationConfiguration { Output = output, Error = error }));
        Match address;
        var giveUp = DateTime.UtcNow.AddMinutes(5); // a bound on the wait, so a server that never starts fails instead of hanging
        while (!(address = Listening().Match(Written())).Success)
        {
            Assert.False(serving.IsCompleted, $"mode serve ended: {error}");
            Assert.True(DateTime.UtcNow < giveUp, $"mode serve did not say where it listens: {Written()}");
            await Task.Delay(50);
        }
        using var client = new HttpClient { BaseAddress = new Uri(address.Groups[1].Value) };
        Assert.Equal("ok", JsonNode.Parse(await client.GetStringAsync("/healthz"))!["status"]!.GetValue<string>());
        Assert.Equal("calibrated", JsonNode.Parse(await client.GetStringAsync("/v1/experts"))!["routing"]!.GetValue<string>());
        stop.Cancel();
        Assert.Equal(0, await serving);
        Assert.Contains("mode serve: stopped after answering the requests in flight", Written());
        Assert.Equal("", error.ToString());
    }

    [Theory]
    [InlineData(2, "--port", "--port", "70000")]
    [InlineData(2, "--max-images", "--max-images", "0")]
    [InlineData(2, "--routing", "--routing", "oracle")]
    [InlineData(1, "no such run directory", "--run", "/nonexistent/run")]
    public void A_wrong_flag_is_one_line_before_anything_is_served(int code, string named, string flag, string value)
    {
        var outcome = InProcessMode.Run(flag == "--run" ? ["serve", flag, value] : ["serve", "--run", tiny.Run.Root, flag, value]);
        Assert.True(code == outcome.Code, outcome.Error);
        Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("mode serve: ", outcome.Error);
        Assert.Contains(named, outcome.Error);
        Assert.Equal("", outcome.Output);
    }
}
