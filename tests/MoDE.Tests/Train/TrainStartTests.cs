using MoDE.Cli;
using MoDE.Run;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Run;
using MoDE.Train;

namespace MoDE.Tests.Train;

/// <summary>
/// The train stage never mixes options: a rerun after an interruption with another batch size is refused, naming the
/// field, instead of training the remaining models with it; and an expert too small for one batch fails before the
/// seed model trains, not after.
/// </summary>
public sealed class TrainStartTests : IClassFixture<DejaVuFonts>
{
    static readonly TrainOptions Options = PipelineTests.Tiny.Train with { Threads = 1 };

    [Fact]
    [Trait("Hostile", "class6")]
    public void ARerunWithAnotherBatchSizeAfterAnInterruptedTrainIsRefusedNamingTheField()
    {
        var run = SplitRun.Copy("mode-train-mix");
        try
        {
            using (var stopped = new CancellationTokenSource())
            {
                stopped.Cancel(); // as Ctrl+C during the seed: it stops at its first checkpoint
                Assert.ThrowsAny<OperationCanceledException>(() => TrainStage.Run(run, Options, new StringWriter(), stopped.Token));
            }
            string unfinished = run.UnfinishedModel(RunModels.Seed);
            byte[] checkpoint = File.ReadAllBytes(unfinished);
            string started = File.ReadAllText(run.Started("train"));

            var other = Options with { BatchSize = Options.BatchSize / 2 };
            var error = Assert.Throws<InvalidOperationException>(() => TrainStage.Run(run, other, new StringWriter()));
            Assert.Contains($"BatchSize: {Options.BatchSize} -> {other.BatchSize}", error.Message);
            Assert.Contains(Path.Combine(run.Root, "train"), error.Message); // what to delete to start over
            var whole = Assert.Throws<InvalidOperationException>(() => Pipeline.Run(run, PipelineTests.Tiny with { Train = other }, new StringWriter()));
            Assert.Equal(error.Message, whole.Message); // refused before the first stage, not at the train stage
            var slurmTask = Assert.Throws<InvalidOperationException>(() => TrainStage.Run(run, other, new StringWriter(), only: RunModels.Baseline));
            Assert.Equal(error.Message, slurmTask.Message);
            Assert.Equal(checkpoint, File.ReadAllBytes(unfinished));
            Assert.Equal(started, File.ReadAllText(run.Started("train")));

            var log = new StringWriter();
            TrainStage.Run(run, Options, log); // the same options resume
            Assert.Contains("train seed: resuming at step", log.ToString());
            Assert.True(StageMarker.IsDone(run, "train", Options));
            Assert.False(File.Exists(run.Started("train")));
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void AnExpertSmallerThanOneBatchFailsBeforeTheSeedTrains()
    {
        var run = SplitRun.Copy("mode-train-small-expert");
        try
        {
            var experts = ExpertData.Load(run);
            int smallest = experts.Min(e => TrainingData.PairsPerPassOf(e.Rows.Length, e.OutOfClusterRows.Length, e.OutOfClusterRatio));
            var options = Options with { BatchSize = smallest + 1 };
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => TrainStage.Run(run, options, new StringWriter()));
            Assert.Equal(nameof(TrainOptions.BatchSize), error.ParamName);
            Assert.Contains($"has {smallest} pairs per pass", error.Message);
            Assert.False(File.Exists(run.UnfinishedModel(RunModels.Seed)) || File.Exists(run.Model(RunModels.Seed))); // nothing trained
            Assert.False(File.Exists(run.Started("train"))); // nor recorded: a smaller batch may start afresh

            var output = new StringWriter();
            var errors = new StringWriter();
            int code = ModeCli.Invoke(["train", "--run", run.Root, "--batch", $"{smallest + 1}", "--threads", "1"], CancellationToken.None,
                new System.CommandLine.InvocationConfiguration { Output = output, Error = errors });
            Assert.Equal(Verb.BadFlag, code);
            Assert.Single(errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("mode train: --batch: ", errors.ToString());

            TrainStage.Run(run, options with { BatchSize = smallest }, new StringWriter(), only: RunModels.Seed); // one batch fits
            Assert.True(File.Exists(run.Model(RunModels.Seed)));
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }
}
