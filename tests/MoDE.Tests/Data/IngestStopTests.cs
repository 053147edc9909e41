using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Storage;

namespace MoDE.Tests.Data;

/// <summary>
/// SIGTERM (scancel, systemd, a time limit) sent to a real <c>mode ingest</c> in the middle of its work: it stops at
/// once with the stop exit code and one line, writes no half ingest, and the rerun writes the same files as an
/// ingest never interrupted.
/// </summary>
public sealed class IngestStopTests : IClassFixture<DejaVuFonts>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-ingest-stop").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Seconds of rendering on a busy 2-core machine, so the signal lands inside it.</summary>
    static readonly SyntheticWebOptions Options = new() { Pairs = 30000, ImageSize = 16 };

    [Fact]
    [Trait("Hostile", "class7")]
    public void SigtermDuringIngestStopsPromptlyAndTheRerunWritesWhatAnUninterruptedIngestWrites()
    {
        var straight = new RunLayout(Path.Combine(folder, "straight"));
        IngestStage.Run(straight, Options, TextWriter.Null);

        var run = new RunLayout(Path.Combine(folder, "stopped"));
        string[] ingest = ["ingest", "--run", run.Root, "--pairs", $"{Options.Pairs}", "--image-size", $"{Options.ImageSize}"];
        using (var first = ChildProcess.StartMode(ingest))
        {
            Assert.True(first.WaitUntil(() => File.Exists(run.LockHolder("ingest"))), $"mode ended before it began ingesting:\n{first.Output}");
            first.Terminate();
            int? code = first.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.True(code is not null, $"mode ingest was still running 30 s after SIGTERM:\n{first.Output}");
            Assert.True(code == 130, $"exit code {code}:\n{first.Output}");
            string last = first.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
            Assert.Equal("mode ingest: stopped; run the same command again to resume", last);
            Assert.DoesNotContain("   at ", first.Output);
        }
        Assert.False(File.Exists(run.Done("ingest")));
        Assert.False(File.Exists(run.Pairs));

        var again = ChildProcess.RunMode(ingest);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Equal(File.ReadAllText(straight.Done("ingest")), File.ReadAllText(run.Done("ingest"))); // the same options
        foreach (string file in Directory.GetFiles(straight.Root, "*", SearchOption.AllDirectories).Where(f => !f.Contains("locks")))
            Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(run.Root, Path.GetRelativePath(straight.Root, file)))),
                $"{Path.GetRelativePath(straight.Root, file)} differs");
        Assert.Empty(Directory.GetFiles(run.Root, "*.tmp", SearchOption.AllDirectories));
    }
}
