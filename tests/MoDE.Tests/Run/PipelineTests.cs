using System.Text.Json;
using MoDE.Cluster;
using MoDE.Data.Synthetic;
using MoDE.Run;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Train;
using MoDE.Train;

namespace MoDE.Tests.Run;

/// <summary>The whole pipeline on a few hundred pairs and a few steps.</summary>
public class PipelineTests : IClassFixture<DejaVuFonts>
{
    internal static RunOptions Tiny => new RunOptions
    {
        Data = new SyntheticWebOptions { Pairs = 400, EvalImagesPerClass = 2 },
        Cluster = new ClusterOptions { FineClusters = 8, CoarseClusters = 2, FineIterations = 5, CoarseIterations = 10 },
        Train = new TrainOptions { Steps = 8, BatchSize = 32, WarmupSteps = 2, CheckpointEvery = 3 },
    }.WithSeed(7);

    [Fact]
    public void Each_stage_requires_exactly_the_stages_before_it_in_the_pipeline()
    {
        var order = Pipeline.Stages.Select(s => s.Stage).ToList();
        var eval = order.Single(s => s.Name == "eval");
        Assert.Equal(order.TakeWhile(s => s != eval).Append(eval).Select(s => s.Name), eval.WithRequired().Select(s => s.Name));
        foreach (var stage in order)
            Assert.All(stage.WithRequired(), needed => Assert.True(order.IndexOf(needed) <= order.IndexOf(stage), $"{stage} requires {needed}, which runs after it"));
    }

    [Fact]
    public void ProducesEveryArtifactAndATableThenSkipsFinishedWork()
    {
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-e2e").FullName);
        var log = new StringWriter();
        var results = Pipeline.Run(run, Tiny, log);

        string[] artifacts =
        [
            run.Pairs, Path.Combine(run.Images, "00000.npy"), run.Preview, run.CaptionEmbeddings, run.EmbeddedPairs, run.EmbedReport,
            run.FineCenters, run.CoarseCenters, run.FineAssignment, run.FineToCoarse, run.ClusterReport,
            run.ExpertRows(0), run.ExpertRows(1), run.SplitReport, run.Tokenizer,
            run.Model(RunModels.Seed), run.Model("expert_0"), run.Model("expert_1"), run.Model(RunModels.Single), run.Model(RunModels.Baseline),
            run.TrainLog(RunModels.Seed), run.ResultsJson, run.ResultsMarkdown,
        ];
        Assert.All(artifacts, path => Assert.True(File.Exists(path), $"missing {path}"));
        Assert.Empty(Directory.GetFiles(run.Root, "*.partial.ckpt", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFileSystemEntries(run.Root, "*.tmp", SearchOption.AllDirectories));

        // One task per domain plus "all"; every method has an accuracy per task.
        Assert.Contains("all", results.Tasks);
        Assert.True(results.Tasks.Count >= 6);
        Assert.Contains(results.Methods, m => m.Name == "baseline");
        Assert.Contains(results.Methods, m => m.Name == "MoDE (code)");
        Assert.All(results.Methods, m => Assert.Equal(results.Tasks.Count, m.Accuracy.Length));
        Assert.All(results.Methods, m => Assert.All(m.Accuracy, a => Assert.InRange(a, 0, 1)));
        Assert.Contains("| MoDE (code) |", File.ReadAllText(run.ResultsMarkdown));
        Assert.All(results.RoutedWeights.Values, w => Assert.Equal(1.0, w.Sum(), 6));

        // Every embedded pair belongs to exactly one expert.
        int[] embedded = Npy.ReadVector(run.EmbeddedPairs);
        int[] own = [.. Npy.ReadVector(run.ExpertRows(0)), .. Npy.ReadVector(run.ExpertRows(1))];
        Assert.Equal(embedded.Order(), own.Order());

        // The cluster report accounts for every caption, fine cluster by fine cluster and expert by expert.
        var report = ClusterReport.Load(run.ClusterReport);
        Assert.Equal(8, report.Fine.Count);
        Assert.Equal(2, report.Coarse.Count);
        Assert.Equal(embedded.Length, report.Fine.Sum(f => f.Captions));
        Assert.Equal(embedded.Length, report.Coarse.Sum(c => c.Captions));
        Assert.All(report.Coarse, c => Assert.Equal(report.Fine.Where(f => f.Parent == c.Id).Sum(f => f.Captions), c.Captions));
        Assert.All(report.Fine, f => Assert.InRange(f.MeanCosine, 0, 1.0001));
        Assert.Contains("expert 1:", report.ToText(5));
        Assert.NotEmpty(report.FineIterations);
        Assert.NotEmpty(report.CoarseIterations);

        // A rerun does no work again.
        var again = new StringWriter();
        var second = Pipeline.Run(run, Tiny, again);
        Assert.Equal(6, again.ToString().Split('\n').Count(l => l.Contains("done already, skipped")));
        Assert.Equal(results.Methods.Select(m => m.Average), second.Methods.Select(m => m.Average));

        // Other options on a finished stage are an error, not a silent mix.
        var clash = Assert.Throws<InvalidOperationException>(() => Pipeline.Run(run, Tiny with { Cluster = Tiny.Cluster with { FineClusters = 9 } }, new StringWriter()));
        Assert.Contains("cluster", clash.Message);
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void AnInterruptedExpertResumesToTheSameWeights()
    {
        // Half the schedule as seed (6 steps), then 6 expert steps with a checkpoint every 2.
        var options = Tiny with { Train = Tiny.Train with { Steps = 12, SeedShare = 0.5, CheckpointEvery = 2 } };
        var straight = new RunLayout(Directory.CreateTempSubdirectory("mode-straight").FullName);
        Pipeline.Run(straight, options, new StringWriter());

        // Stop as soon as expert 1 starts: it saves its unfinished state at step 8 and the stage throws.
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-resume").FullName);
        using var stop = new CancellationTokenSource();
        var log = new LineWatcher(line => { if (line.StartsWith("train expert_1")) stop.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => Pipeline.Run(run, options, log, stop.Token));
        Assert.True(File.Exists(run.UnfinishedModel("expert_1")));
        Assert.False(File.Exists(run.Model("expert_1")));
        using (var unfinished = TrainState.Load(run.UnfinishedModel("expert_1"))) Assert.Equal(8, unfinished.Step);

        var resumed = new StringWriter();
        Pipeline.Run(run, options, resumed);
        Assert.Contains("train expert_0: done already, skipped", resumed.ToString());
        Assert.Contains("train expert_1: resuming at step 8", resumed.ToString());
        Assert.False(File.Exists(run.UnfinishedModel("expert_1")));
        // Steps 7..12 once each in the JSONL and in the one TensorBoard file (none repeated past the checkpoint).
        var steps = File.ReadAllLines(run.TrainLog("expert_1")).Select(l => (int)JsonDocument.Parse(l).RootElement.GetProperty("step").GetDouble());
        Assert.Equal(Enumerable.Range(7, 6), steps);
        var events = EventFileReader.Read(Assert.Single(Directory.GetFiles(run.TensorBoard("expert_1"))));
        Assert.Equal(Enumerable.Range(7, 6).Select(s => (long)s), events.Skip(1).Select(e => e.Step));
        Assert.Equal(File.ReadAllBytes(straight.Model("expert_1")), File.ReadAllBytes(run.Model("expert_1")));
        Assert.Equal(File.ReadAllBytes(straight.Model(RunModels.Baseline)), File.ReadAllBytes(run.Model(RunModels.Baseline)));
        Assert.Equal(File.ReadAllText(straight.ResultsJson), File.ReadAllText(run.ResultsJson));
    }

    /// <summary>A log that calls back with every line written to it.</summary>
    sealed class LineWatcher(Action<string> onLine) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            onLine(value ?? "");
        }
    }
}
