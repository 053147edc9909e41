using System.Diagnostics;
using MoDE.Run;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Run;
using MoDE.Tests;
using MoDE.Train;
using Xunit.Abstractions;

namespace MoDE.Tests.Slurm;

/// <summary>
/// The train stage through a real Slurm (<see cref="LocalSlurm"/>): the same weights as the local launcher, and a
/// requeued expert task that resumes from its checkpoint. These tests fail, not skip, when no Slurm answers.
/// </summary>
[Collection(LocalSlurmCollection.Name)]
public class SlurmTrainTests(LocalSlurm slurm, ITestOutputHelper output) : IClassFixture<DejaVuFonts>
{
    /// <summary>The tiny run, one thread per model so the local and Slurm runs compute alike.</summary>
    static readonly RunOptions Options = PipelineTests.Tiny with
    {
        Train = PipelineTests.Tiny.Train with { Steps = 12, SeedShare = 0.5, CheckpointEvery = 2, Threads = 1 },
    };

    /// <summary>The CLI beside the tests, as the compute node runs it.</summary>
    internal static SlurmOptions Slurm => new()
    {
        Cpus = 1, Memory = "2G",
        Mode = $"{ModeCommand.Quote(Environment.ProcessPath!.EndsWith("dotnet") ? Environment.ProcessPath : "dotnet")} {ModeCommand.Quote(Path.Combine(AppContext.BaseDirectory, "mode.dll"))}",
    };

    /// <summary>Waits until Slurm reports <paramref name="id"/> finished and returns its last state.</summary>
    string WaitFor(string id, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        string? state = null;
        while (clock.Elapsed < limit)
        {
            state = SlurmJobState.Query(id);
            if (state is not null && RunStatus.Describe(state, false) is "done" or "failed") return state;
            Thread.Sleep(500);
        }
        return $"still {state} after {limit}";
    }

    string[] Models(RunLayout run) =>
        [RunModels.Seed, RunModels.Expert(0), RunModels.Expert(1), RunModels.Single, RunModels.Baseline];

    [Fact]
    public void TrainThroughSlurmGivesTheLocalWeights()
    {
        slurm.Require();
        var local = SplitRun.Copy("mode-local");
        TrainStage.Run(local, Options.Train, new StringWriter());

        var run = SplitRun.Copy("mode-slurm");
        var log = new StringWriter();
        var jobs = SlurmTrainLauncher.Submit(run, Options.Train, Slurm, log);
        output.WriteLine(log.ToString());
        string final = WaitFor(jobs.Jobs[TrainStage.Stage.Name], TimeSpan.FromMinutes(4));
        var status = new StringWriter();
        RunStatus.Write(run, status);
        output.WriteLine(status.ToString());
        Assert.True(final == "COMPLETED", $"train-finish ended {final}\n{status}\n{Logs(run)}");

        foreach (string sbatch in new[] { "train-seed", "train-experts", "train-single", "train-baseline", "train-finish" })
            Assert.Contains("#SBATCH --requeue", File.ReadAllText(Path.Combine(run.Root, "slurm", $"{sbatch}.sbatch")));
        Assert.Contains(" --only seed", File.ReadAllText(Path.Combine(run.Root, "slurm", "train-seed.sbatch")));
        Assert.True(File.Exists(run.Done(TrainStage.Stage.Name)));
        Assert.True(StageMarker.IsDone(run, TrainStage.Stage.Name, Options.Train));
        foreach (string model in Models(run))
        {
            Assert.Equal(File.ReadAllBytes(local.Model(model)), File.ReadAllBytes(run.Model(model)));
            output.WriteLine($"{model}: {new FileInfo(run.Model(model)).Length} bytes, identical to the local launcher's");
        }
    }

    [Fact]
    public void ARequeuedExpertTaskResumesFromItsCheckpoint()
    {
        slurm.Require();
        // A longer expert schedule (40 steps, a checkpoint every 2) so the task is requeued mid-way.
        var train = Options.Train with { Steps = 48, SeedShare = 1.0 / 6, CheckpointEvery = 2 };
        var local = SplitRun.Copy("mode-local-requeue");
        TrainStage.Run(local, train, new StringWriter(), only: RunModels.Seed);
        TrainStage.Run(local, train, new StringWriter(), only: RunModels.Expert(0));

        var run = SplitRun.Copy("mode-slurm-requeue");
        var log = new StringWriter();
        var jobs = SlurmTrainLauncher.Submit(run, train, Slurm, log);
        output.WriteLine(log.ToString());
        string expert = jobs.Jobs[RunModels.Expert(0)];

        // Requeue the task as soon as its first checkpoint exists.
        var clock = Stopwatch.StartNew();
        while (!File.Exists(run.UnfinishedModel(RunModels.Expert(0))) && clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            Assert.False(File.Exists(run.Model(RunModels.Expert(0))), "expert_0 finished before it could be requeued");
            Thread.Sleep(50);
        }
        Assert.True(File.Exists(run.UnfinishedModel(RunModels.Expert(0))), $"no checkpoint of expert_0 after 3 minutes\n{Logs(run)}");
        SlurmCommand.Run("scontrol", "requeue", expert);
        output.WriteLine($"scontrol requeue {expert} at {clock.Elapsed.TotalSeconds:F1} s, state now {SlurmJobState.Query(expert)}");

        string final = WaitFor(jobs.Jobs[TrainStage.Stage.Name], TimeSpan.FromMinutes(5));
        var status = new StringWriter();
        RunStatus.Write(run, status);
        output.WriteLine(status.ToString());
        string expertLog = File.ReadAllText(jobs.Logs[RunModels.Expert(0)]);
        output.WriteLine(expertLog);
        Assert.True(final == "COMPLETED", $"train-finish ended {final}\n{status}\n{Logs(run)}");
        Assert.Contains("restart 1", expertLog);
        Assert.Contains("train expert_0: resuming at step", expertLog);
        Assert.Equal(File.ReadAllBytes(local.Model(RunModels.Expert(0))), File.ReadAllBytes(run.Model(RunModels.Expert(0))));
    }

    static string Logs(RunLayout run) => string.Join("\n", Directory.GetFiles(Path.Combine(run.Root, "slurm", "logs"))
        .Select(f => $"== {f}\n{File.ReadAllText(f)}"));
}
