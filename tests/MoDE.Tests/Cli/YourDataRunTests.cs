using MoDE.Cli;
using MoDE.Data.Ingest;
using MoDE.Eval;
using MoDE.Storage;
using MoDE.Tests.Data;
using SkiaSharp;

namespace MoDE.Tests.Cli;

/// <summary>
/// The "your data" path end to end: <c>mode run --source</c> with no task folders trains every model and ends with a
/// results table, scored on the held-out share of the user's own pairs (and on the task folders <c>--tasks</c> names);
/// a run that could have no task to score says so before training.
/// </summary>
public sealed class YourDataRunTests : IClassFixture<DejaVuFonts>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-your-data").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static InProcessMode Mode(params string[] args) => InProcessMode.Run(args);

    /// <summary>The smallest schedule the run verb's flags allow, so the test trains in seconds.</summary>
    static readonly string[] Tiny = ["--steps", "40", "--seed-share", "0.9", "--batch", "8", "--fine", "4", "--experts", "2", "--threads", "2"];

    [Fact]
    public void ASeedModelTrainedFromTheShardsInPlaceHasTheLossesOfStoredPixels()
    {
        string shards = SourcePixelsTests.WriteShards(Path.Combine(folder, "source"), 240, perShard: 100);
        List<double> Losses(string pixels)
        {
            string run = Path.Combine(folder, pixels);
            foreach (string[] verb in new string[][] { ["ingest", "--source", shards, "--pixels", pixels], ["embed"], ["cluster", "--fine", "4", "--experts", "2"], ["split"],
                                              ["train", "--only", "seed", "--steps", "40", "--seed-share", "0.25", "--batch", "8", "--threads", "2"] })
            {
                var outcome = Mode([.. verb, "--run", run]);
                Assert.True(outcome.Code == 0, outcome.Error);
            }
            return [.. File.ReadLines(new RunLayout(run).TrainLog("seed")).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("loss").GetDouble())];
        }

        var stored = Losses("stored");
        var direct = Losses("source");
        Assert.Equal(10, direct.Count); // a quarter of 40 steps
        Assert.Equal(stored, direct); // the same batches, so the same losses, step by step
    }

    [Fact]
    [Trait("Hostile", "class9")]
    public void RunOnASourceWithoutTasksEndsWithATableOfItsHeldOutPairs()
    {
        var (manifest, _) = HeldOutSplitTests.WriteManifest(Path.Combine(folder, "source"), 240);
        // a task folder of the user's, named with --tasks: two classes of the built-in shapes
        string tree = Path.Combine(folder, "two-colours");
        foreach (var (name, colour) in new[] { ("red", SKColors.Red), ("blue", SKColors.Blue) })
        {
            Directory.CreateDirectory(Path.Combine(tree, name));
            for (int i = 0; i < 3; i++)
                File.WriteAllBytes(Path.Combine(tree, name, $"{i}.png"), TestImages.Solid(colour, 40 + i, 40, SKEncodedImageFormat.Png));
        }
        string run = Path.Combine(folder, "run");

        var outcome = Mode(["run", "--run", run, "--source", manifest, "--tasks", tree, .. Tiny]);
        Assert.True(outcome.Code == 0, outcome.Error);
        Assert.Contains("100 images (100 pairs) held out of training as the retrieval task", outcome.Output);
        Assert.Matches(@"\n\s*method\s+held-out\s+two-colours\s+average", outcome.Output);
        Assert.Matches(@"\nMoDE \(code\)\s+\d+\.\d\s+\d+\.\d", outcome.Output);
        Assert.Contains("Task held-out: image-text retrieval on 100 images (100 pairs) of your own data, held out of training", outcome.Output);

        var results = Results.Load(new RunLayout(run));
        Assert.Equal(["held-out", "two-colours"], results.Tasks);
        Assert.Equal([RetrievalMetrics.MeanRecallAt1, ClassificationMetrics.Top1], results.Headlines);
        Assert.Equal([100, 6], results.TaskSizes);
        Assert.Contains("held out of training", File.ReadAllText(new RunLayout(run).ReportMarkdown));
        var report = IngestReport.Load(new RunLayout(run).IngestReport);
        Assert.Equal((140L, 100L), (report.Kept, report.HeldOut));
        Assert.Contains("eval: done already", Mode(["run", "--run", run, "--source", manifest, "--tasks", tree, .. Tiny]).Output);
        Assert.Contains("held-out", Mode("eval", "--run", run).Output); // the finished table, whatever --tasks the run had
    }

    [Fact]
    [Trait("Hostile", "class9")]
    public void ARunThatWouldHaveNoTaskStopsBeforeTraining()
    {
        var (small, _) = HeldOutSplitTests.WriteManifest(Path.Combine(folder, "small"), 60);
        string run = Path.Combine(folder, "small-run");
        var tooSmall = Mode(["run", "--run", run, "--source", small, .. Tiny]);
        Assert.Equal(Verb.Failed, tooSmall.Code);
        Assert.Single(tooSmall.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no task folders to evaluate", tooSmall.Error);
        Assert.Contains("ingest:", tooSmall.Output); // the pairs are in, kept for a rerun with --tasks
        Assert.False(Directory.Exists(Path.Combine(run, "embed")));

        string none = Path.Combine(folder, "none-run");
        var heldOutZero = Mode(["run", "--run", none, "--source", small, "--held-out", "0", .. Tiny]);
        Assert.Equal(Verb.Failed, heldOutZero.Code);
        Assert.Contains("no task folders to evaluate", heldOutZero.Error);
        Assert.False(Directory.Exists(Path.Combine(none, "ingest")));

        var missing = Mode(["run", "--run", none, "--source", small, "--tasks", Path.Combine(folder, "no-such-task"), .. Tiny]);
        Assert.Equal(Verb.BadFlag, missing.Code);
        Assert.StartsWith("mode run: --tasks: ", missing.Error);
    }
}
