using System.Diagnostics;
using System.Globalization;
using MoDE.Shards;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tests.Run;
using MoDE.Train;
using Xunit.Abstractions;

namespace MoDE.Tests.Slurm;

/// <summary>
/// <c>mode train --launcher open_clip</c> (<see cref="OpenClipTrainLauncher"/>): the sbatch files pass <c>bash -n</c>, keep a run
/// directory with spaces, quotes and <c>$</c> one word, and, run with a stand-in <c>python</c> on the PATH that records its arguments
/// (straight through bash, and submitted to the local Slurm of the tests), give open_clip_train each model's shards, the seed's
/// checkpoint and the run's hyper-parameters; the seed's job stops once open_clip starts the epoch after the seed's share.
/// </summary>
[Collection(LocalSlurmCollection.Name)]
public sealed class OpenClipLaunchTests(LocalSlurm slurm, ITestOutputHelper output) : IDisposable
{
    readonly string stub = Directory.CreateTempSubdirectory("mode-open-clip-stub").FullName;
    readonly List<string> runs = [];

    public void Dispose()
    {
        Directory.Delete(stub, recursive: true);
        foreach (string run in runs) Directory.Delete(run, recursive: true);
    }

    /// <summary>A stand-in for open_clip_train: records its arguments, NUL-separated, as STUB/NAME.args; with STAND_IN_STOP set, the seed
    /// logs the line open_clip logs when it starts that epoch and then trains on (sleeps) until it is stopped.</summary>
    const string StandInPython = """
        #!/bin/bash
        prev=""; name=""; logs=""
        for a in "$@"; do case "$prev" in --name) name="$a";; --logs) logs="$a";; esac; prev="$a"; done
        printf '%s\0' "$@" > "$(dirname "$0")/$name.args"
        if [ "$name" = seed ] && [ -n "${STAND_IN_STOP:-}" ]; then
          mkdir -p "$logs/seed"
          echo "2026-01-01,00:00:00 | INFO | Start epoch $STAND_IN_STOP" >> "$logs/seed/out.log"
          sleep 120
        fi
        """;

    static readonly TrainOptions Train = PipelineTests.Tiny.Train with { Model = "tiny-vit", Steps = 40, WarmupSteps = 3, LearningRate = 3e-4 };

    /// <summary>The tiny split run in a folder named <paramref name="name"/>, its shards written, and training options with a vocabulary file.</summary>
    (RunLayout Run, TrainOptions Train) Prepared(string name)
    {
        var copy = SplitRun.Copy("mode-open-clip");
        string parent = Directory.CreateTempSubdirectory("mode-open-clip-runs").FullName;
        runs.Add(parent);
        runs.Add(copy.Root);
        var run = new RunLayout(Path.Combine(parent, name));
        Directory.Move(copy.Root, run.Root);
        runs.Remove(copy.Root);
        string vocabulary = Path.Combine(parent, "bpe_simple_vocab_16e6.txt.gz");
        File.WriteAllText(vocabulary, "the launcher identifies this file only");
        var train = Train.WithTokenizer(vocabulary);
        RunShards.Write(run, new ShardOptions { To = Path.Combine(run.Root, "shards"), ShardSamples = 100 }, train, TextWriter.Null);
        return (run, train);
    }

    void WriteStandIns(bool srun)
    {
        File.WriteAllText(Path.Combine(stub, "python"), StandInPython.ReplaceLineEndings("\n") + "\n");
        if (srun)
        {
            File.WriteAllText(Path.Combine(stub, "srun"), "#!/bin/bash\nexec \"$@\"\n");
            File.WriteAllText(Path.Combine(stub, "scontrol"), "#!/bin/bash\necho localhost\n");
        }
        if (!OperatingSystem.IsWindows()) foreach (string file in Directory.GetFiles(stub)) File.SetUnixFileMode(file, (UnixFileMode)0b111_101_101);
    }

    /// <summary>The arguments the stand-in recorded for <paramref name="model"/>, as flag to value ("" for a flag without one).</summary>
    Dictionary<string, string> Recorded(string model)
    {
        string path = Path.Combine(stub, $"{model}.args");
        Assert.True(File.Exists(path), $"python was not run for {model}");
        var words = File.ReadAllText(path).Split('\0')[..^1];
        Assert.Equal(["-m", "open_clip_train.main"], words[..2]);
        var flags = new Dictionary<string, string>();
        for (int i = 2; i < words.Length; i++)
        {
            Assert.StartsWith("--", words[i]);
            bool value = i + 1 < words.Length && !words[i + 1].StartsWith("--", StringComparison.Ordinal);
            flags.Add(words[i], value ? words[++i] : "");
        }
        return flags;
    }

    /// <summary>Every model's recorded arguments name its shards, its start and the run's protocol.</summary>
    void AssertArguments(RunLayout run, TrainOptions train, string shards, bool seedRan)
    {
        var schedule = OpenClipSchedule.Of(train, RunModels.Experts(run), new OpenClipLaunchOptions().Epochs);
        string seedCheckpoint = OpenClipTrainLauncher.SeedCheckpoint(run, schedule.SeedEpochs);
        Assert.Equal(Path.Combine(run.Root, "open_clip", "seed", "checkpoints", $"epoch_{schedule.SeedEpochs}.pt"), seedCheckpoint);
        foreach (string model in RunModels.Of(run).Where(m => seedRan || m != RunModels.Seed))
        {
            var flags = Recorded(model);
            string set = model.StartsWith("expert_", StringComparison.Ordinal) ? model : ShardPlan.All;
            Assert.Equal(ShardManifest.Load(Path.Combine(shards, set)).TrainData, flags["--train-data"]);
            Assert.StartsWith(Path.Combine(shards, set) + "/{00000..", flags["--train-data"]);
            Assert.Equal(schedule.SamplesPerEpoch.ToString(CultureInfo.InvariantCulture), flags["--train-num-samples"]);
            Assert.Equal((long)schedule.StepsPerEpoch * train.BatchSize, schedule.SamplesPerEpoch);
            Assert.Equal("webdataset", flags["--dataset-type"]);
            Assert.Equal("", flags["--dataset-resampled"]);
            Assert.Equal(train.BatchSize.ToString(CultureInfo.InvariantCulture), flags["--batch-size"]);
            Assert.Equal(model == RunModels.Baseline ? schedule.BaselineEpochs : schedule.Epochs, int.Parse(flags["--epochs"], CultureInfo.InvariantCulture));
            Assert.Equal(train.LearningRate, double.Parse(flags["--lr"], CultureInfo.InvariantCulture));
            Assert.Equal(train.Beta1, double.Parse(flags["--beta1"], CultureInfo.InvariantCulture));
            Assert.Equal(train.Beta2, double.Parse(flags["--beta2"], CultureInfo.InvariantCulture));
            Assert.Equal(train.Epsilon, double.Parse(flags["--eps"], CultureInfo.InvariantCulture));
            Assert.Equal(train.WeightDecay, double.Parse(flags["--wd"], CultureInfo.InvariantCulture));
            Assert.Equal(train.WarmupSteps.ToString(CultureInfo.InvariantCulture), flags["--warmup"]);
            Assert.Equal("amp", flags["--precision"]);
            Assert.Equal(Trainer.DefaultWorkers.ToString(CultureInfo.InvariantCulture), flags["--workers"]);
            Assert.Equal("local-dir:" + Path.Combine(run.Root, "open_clip", "model"), flags["--model"]);
            Assert.True(File.Exists(Path.Combine(run.Root, "open_clip", "model", "open_clip_config.json")));
            Assert.Equal(train.Seed.ToString(CultureInfo.InvariantCulture), flags["--seed"]);
            Assert.Equal(Path.Combine(run.Root, "open_clip"), flags["--logs"]);
            Assert.Equal(model, flags["--name"]);
            Assert.Equal(model is RunModels.Seed or RunModels.Baseline ? "latest" : seedCheckpoint, flags["--resume"]);
        }
        Assert.Equal((int)Math.Round(train.SeedShare * schedule.Epochs), schedule.SeedEpochs);
    }

    [Fact]
    [Trait("Hostile", "class12")]
    public void Sbatch_files_pass_bash_n_and_keep_a_run_folder_with_spaces_quotes_and_dollars_one_word()
    {
        var (run, train) = Prepared("it's a $HOME `run` $(x)");
        var files = OpenClipTrainLauncher.Write(run, train, new SlurmOptions(), new OpenClipLaunchOptions { Shards = Path.Combine(run.Root, "shards") }, TextWriter.Null);
        Assert.Equal(RunModels.Of(run).Order(), files.Keys.Order());
        WriteStandIns(srun: true);
        // An attempt that failed before its first checkpoint left open_clip's log, which open_clip would refuse to start over.
        string leftover = Path.Combine(run.Root, "open_clip", RunModels.Expert(0), "out.log");
        Directory.CreateDirectory(Path.GetDirectoryName(leftover)!);
        File.WriteAllText(leftover, "an attempt that saved nothing");
        foreach (var (model, file) in files)
        {
            Assert.Contains("#SBATCH --requeue", File.ReadAllText(file));
            var (check, why) = ChildProcess.Run("bash", ["-n", file]);
            Assert.True(check == 0, $"bash -n {file}: {why}");
            var (code, log) = ChildProcess.Run("bash", [file], new Dictionary<string, string>
            {
                ["PATH"] = $"{stub}:{Environment.GetEnvironmentVariable("PATH")}", ["SLURM_JOB_ID"] = "7", ["SLURM_JOB_NODELIST"] = "localhost",
            });
            Assert.True(code == 0, $"{model}: {log}");
        }
        AssertArguments(run, train, Path.Combine(run.Root, "shards"), seedRan: true);
        Assert.False(File.Exists(leftover));
        Assert.Equal("an attempt that saved nothing", File.ReadAllText(leftover + ".7"));
    }

    [Fact]
    public void Submitted_to_slurm_each_model_runs_open_clip_on_its_shards_from_the_seed_checkpoint_and_the_seed_stops_at_its_share()
    {
        slurm.Require();
        var (run, train) = Prepared("run with spaces $HOME");
        WriteStandIns(srun: false);
        var schedule = OpenClipSchedule.Of(train, RunModels.Experts(run), new OpenClipLaunchOptions().Epochs);
        var options = SlurmTrainTests.Slurm with { ExtraFlags = [$"--export=ALL,PATH={stub}:{Environment.GetEnvironmentVariable("PATH")},STAND_IN_STOP={schedule.SeedEpochs}"] };
        var log = new StringWriter();
        OpenClipTrainLauncher.Write(run, train, options, new OpenClipLaunchOptions { Shards = Path.Combine(run.Root, "shards"), Submit = true }, log);
        output.WriteLine(log.ToString());
        var jobs = JsonFile.Read<SlurmJobs>(Path.Combine(run.Root, "open_clip", "jobs.json"));
        Assert.Equal(RunModels.Of(run).Order(), jobs.Jobs.Keys.Order());

        var clock = Stopwatch.StartNew();
        var states = new Dictionary<string, string?>();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            foreach (var (model, job) in jobs.Jobs) states[model] = SlurmJobState.Query(job);
            if (states.Values.All(s => s is "COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT" or "OUT_OF_MEMORY")) break;
            Thread.Sleep(500);
        }
        string logs = string.Join("\n", Directory.GetFiles(Path.Combine(run.Root, "open_clip", "slurm-logs")).Select(f => $"== {f}\n{File.ReadAllText(f)}"));
        Assert.True(states.Values.All(s => s == "COMPLETED"), string.Join(", ", states.Select(s => $"{s.Key}: {s.Value}")) + "\n" + logs);
        Assert.Contains("stop condition holds", File.ReadAllText(jobs.Logs[RunModels.Seed]));
        AssertArguments(run, train, Path.Combine(run.Root, "shards"), seedRan: true);
    }

    [Fact]
    public void A_cnn_image_tower_and_a_run_without_clips_vocabulary_are_refused_before_any_sbatch_file()
    {
        var (run, train) = Prepared("refused");
        var launch = new OpenClipLaunchOptions { Shards = Path.Combine(run.Root, "shards") };
        var cnn = Assert.Throws<ArgumentException>(() => OpenClipTrainLauncher.Write(run, train with { Model = "tiny" }, new SlurmOptions(), launch, TextWriter.Null));
        Assert.Equal(nameof(TrainOptions.Model), cnn.ParamName);
        var vocabulary = Assert.Throws<ArgumentException>(() => OpenClipTrainLauncher.Write(run, train with { Tokenizer = null }, new SlurmOptions(), launch, TextWriter.Null));
        Assert.Equal(nameof(TrainOptions.Tokenizer), vocabulary.ParamName);
        var other = Assert.Throws<InvalidDataException>(() => OpenClipTrainLauncher.Write(run, train with { BatchSize = 16 }, new SlurmOptions(), launch, TextWriter.Null));
        Assert.Contains("write the shards again", other.Message);
        Assert.False(Directory.Exists(Path.Combine(run.Root, "open_clip")) && Directory.GetFiles(Path.Combine(run.Root, "open_clip"), "*.sbatch").Length > 0);
    }
}
