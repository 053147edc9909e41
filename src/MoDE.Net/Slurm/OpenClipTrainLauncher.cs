using System.Globalization;
using System.Text.Json;
using MoDE.Data.Ingest;
using MoDE.Export;
using MoDE.Shards;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Slurm;

/// <summary>
/// <c>mode train --launcher open_clip</c>: one sbatch file per model in <c>RUN/open_clip/</c> that runs
/// <c>srun python -m open_clip_train.main</c> (open_clip_train v3.3.0's flags, params.py) on the model's shards
/// (<see cref="RunShards"/>) with the run's protocol in open_clip's epochs (<see cref="OpenClipSchedule"/>): the seed on all data
/// for the first <see cref="OpenClipSchedule.SeedEpochs"/> epochs of the schedule (its job stops once open_clip starts the next
/// epoch, so <c>epoch_K.pt</c> is complete), each expert and the single model resuming the seed's <c>epoch_K.pt</c> (the path
/// <see cref="SeedCheckpoint"/>, where an exported seed goes too) to the end of the same schedule, the equal-compute baseline from
/// scratch. Every job resumes its own latest checkpoint when Slurm requeues it (<see cref="SbatchScript"/>: <c>--requeue</c>, USR1
/// before the time limit). open_clip writes each model's logs and checkpoints to <c>RUN/open_clip/MODEL/</c>, where
/// <c>mode import-experts</c> finds them. With <see cref="OpenClipLaunchOptions.Submit"/> the files are submitted, the experts and the
/// single model <c>afterok</c> the seed.
/// </summary>
public static class OpenClipTrainLauncher
{
    /// <summary>The launcher's name, as the sbatch files' header gives it (<c>--launcher open_clip</c>).</summary>
    public const string Name = "open_clip";
    public const string TrainOptionsFile = "train.json", ScheduleFile = "schedule.json";

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>open_clip's own names of the presets it builds as they are.</summary>
    static readonly string[] OpenClipModels = ["ViT-B-32", "ViT-B-16", "ViT-L-14"];

    /// <summary>The seed's open_clip checkpoint after <paramref name="seedEpochs"/> epochs, which the experts and the single model resume.</summary>
    public static string SeedCheckpoint(RunLayout run, int seedEpochs) => run.OpenClipCheckpoint(RunModels.Seed, seedEpochs);

    /// <summary>Writes (and with <see cref="OpenClipLaunchOptions.Submit"/> submits) the sbatch files; returns each model's file.</summary>
    public static Dictionary<string, string> Write(RunLayout run, TrainOptions options, SlurmOptions slurm, OpenClipLaunchOptions launch, TextWriter log)
    {
        options.Validate(options.Steps);
        launch.Validate();
        SbatchScript.Check(run.Root, slurm);
        SplitStage.Stage.Require(run);
        int experts = RunModels.Experts(run);
        if (options.Tokenizer is null)
            throw new ArgumentException("open_clip tokenizes captions with CLIP's BPE vocabulary: give it (open_clip's bpe_simple_vocab_16e6.txt.gz), so the run evaluates the imported models with the same token ids", nameof(TrainOptions.Tokenizer));
        if (options.BatchSize % launch.Tasks != 0)
            throw new ArgumentException($"the batch of {options.BatchSize} does not split evenly over {launch.Tasks} tasks", nameof(OpenClipLaunchOptions.Tasks));
        var schedule = OpenClipSchedule.Of(options, experts, launch.Epochs);
        string folder = run.OpenClipFolder;
        string model = ModelArgument(run, options, folder);
        var manifests = new[] { ShardPlan.All }.Concat(Enumerable.Range(0, experts).Select(RunModels.Expert)).ToDictionary(set => set, set => Manifest(launch.Shards, set, options));

        string logs = Path.Combine(folder, "slurm-logs");
        Directory.CreateDirectory(logs);
        // What `mode import-experts` reads back: the run's training options and the epochs each model ends at.
        AtomicFile.WriteAllText(Path.Combine(folder, TrainOptionsFile), JsonSerializer.Serialize(options, Json) + "\n");
        AtomicFile.WriteAllText(Path.Combine(folder, ScheduleFile), JsonSerializer.Serialize(schedule, Json) + "\n");
        string seedCheckpoint = SeedCheckpoint(run, schedule.SeedEpochs);
        bool seedExported = File.Exists(seedCheckpoint);
        string Q(string word) => ModeCommand.Quote(word);
        string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

        string Command(string name, string set, int epochs, string resume)
        {
            var arguments = new List<string>
            {
                "srun", Q(launch.Python), "-m", "open_clip_train.main",
                "--train-data", Q(manifests[set].TrainData), "--train-num-samples", schedule.SamplesPerEpoch.ToString(CultureInfo.InvariantCulture),
                "--dataset-type", "webdataset", "--dataset-resampled",
                "--batch-size", (options.BatchSize / launch.Tasks).ToString(CultureInfo.InvariantCulture), "--epochs", epochs.ToString(CultureInfo.InvariantCulture),
                "--lr", Number(options.LearningRate), "--beta1", Number(options.Beta1), "--beta2", Number(options.Beta2), "--eps", Number(options.Epsilon),
                "--wd", Number(options.WeightDecay), "--warmup", options.WarmupSteps.ToString(CultureInfo.InvariantCulture),
                "--precision", launch.Precision, "--workers", schedule.Workers.ToString(CultureInfo.InvariantCulture),
                "--model", Q(model), "--seed", options.Seed.ToString(CultureInfo.InvariantCulture),
                "--logs", Q(folder), "--name", name, "--save-frequency", "1", "--resume", resume,
            };
            bool pretrained = options.Init is { } init && (name == RunModels.Seed || (name == RunModels.Baseline && init.Models == PretrainedModels.All));
            if (pretrained) arguments.AddRange(["--pretrained", Q(options.Init!.Checkpoint.Path)]);
            return string.Join(' ', arguments);
        }
        string[] Distributed =
        [
            "# open_clip's distributed start reads the first node and a port (env://); srun gives each task its rank.",
            "export MASTER_ADDR=\"$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\"",
            "export MASTER_PORT=$((12000 + SLURM_JOB_ID % 20000))",
        ];
        string[] FromSeed(string name) =>
        [
            .. Distributed,
            "# The first start resumes the seed's checkpoint; a requeued job its own latest one.",
            $"resume={Q(seedCheckpoint)}",
            $"for checkpoint in {Q(Path.Combine(folder, name, "checkpoints"))}/epoch_*.pt; do if [ -e \"$checkpoint\" ]; then resume=latest; fi; done",
            "# open_clip refuses to start over a log of its own without --resume latest: one left by an attempt that saved nothing is moved aside.",
            $"if [ \"$resume\" != latest ] && [ -e {Q(Path.Combine(folder, name, "out.log"))} ]; then mv {Q(Path.Combine(folder, name, "out.log"))} {Q(Path.Combine(folder, name, "out.log"))}.\"$SLURM_JOB_ID\"; fi",
        ];
        SbatchScript Script(string name, string purpose, string command, IReadOnlyList<string> setup, string? stopWhen = null) => new()
        {
            JobName = $"open_clip-{name}", Purpose = purpose, Log = Path.Combine(logs, $"{name}_%j.out"), Command = command,
            Setup = setup, Tasks = launch.Tasks, StopWhen = stopWhen, Launcher = Name,
        };

        var scripts = new List<(string Model, SbatchScript Script, bool AfterSeed)>();
        if (!seedExported)
            scripts.Add((RunModels.Seed, Script(RunModels.Seed,
                $"MoDE with open_clip: the seed model on all data, epochs 1-{schedule.SeedEpochs} of a {schedule.Epochs}-epoch schedule ({schedule.StepsPerEpoch} steps an epoch).",
                Command(RunModels.Seed, ShardPlan.All, schedule.Epochs, "latest"), Distributed,
                $"grep -qsE 'Start epoch {schedule.SeedEpochs}$' {Q(Path.Combine(folder, RunModels.Seed, "out.log"))}"), false));
        for (int i = 0; i < experts; i++)
        {
            string name = RunModels.Expert(i);
            scripts.Add((name, Script(name, $"MoDE with open_clip: data expert {i}, epochs {schedule.SeedEpochs + 1}-{schedule.Epochs} from the seed, on its shards.",
                Command(name, name, schedule.Epochs, "\"$resume\""), FromSeed(name)), true));
        }
        scripts.Add((RunModels.Single, Script(RunModels.Single, $"MoDE with open_clip: the seed continued on all data, epochs {schedule.SeedEpochs + 1}-{schedule.Epochs} (the single-model baseline).",
            Command(RunModels.Single, ShardPlan.All, schedule.Epochs, "\"$resume\""), FromSeed(RunModels.Single)), true));
        scripts.Add((RunModels.Baseline, Script(RunModels.Baseline, $"MoDE with open_clip: the equal-compute baseline from scratch, {schedule.BaselineEpochs} epochs.",
            Command(RunModels.Baseline, ShardPlan.All, schedule.BaselineEpochs, "latest"), Distributed), false));

        var files = new Dictionary<string, string>();
        var jobs = new SlurmJobs();
        string? seedJob = null;
        foreach (var (name, script, afterSeed) in scripts)
        {
            string path = Path.Combine(folder, $"{name}.sbatch");
            files[name] = path;
            if (!launch.Submit) { script.Write(path, slurm); continue; }
            string[] flags = afterSeed && seedJob is not null ? [$"--dependency=afterok:{seedJob}"] : [];
            string job = script.Submit(folder, name, slurm, run.Root, log, flags);
            if (name == RunModels.Seed) seedJob = job;
            jobs.Jobs[name] = job;
            jobs.Logs[name] = Path.Combine(logs, $"{name}_{job}.out");
        }
        if (launch.Submit) AtomicFile.WriteAllText(Path.Combine(folder, "jobs.json"), JsonSerializer.Serialize(jobs, Json) + "\n");
        log.WriteLine($"open_clip: {schedule.Epochs} epochs of {schedule.StepsPerEpoch} steps ({schedule.SamplesPerEpoch} samples), the seed {schedule.SeedEpochs}, " +
                      $"the baseline {schedule.BaselineEpochs}; sbatch files in {folder}" + (seedExported ? $"; the seed is {seedCheckpoint} already" : ""));
        if (!launch.Submit)
            log.WriteLine($"open_clip: submit with `{ModeCommand.Invocation} train --run {Q(run.Root)} --launcher open_clip --submit ...`, or by hand: " +
                          (seedExported ? "" : $"sbatch {Q(files[RunModels.Seed])}, then the others with --dependency=afterok:SEED_JOB"));
        return files;
    }

    /// <summary>open_clip's <c>--model</c>: its own name for an open_clip preset, else <c>local-dir:</c> a folder with the architecture's
    /// <c>open_clip_config.json</c> (<see cref="OpenClipConfig"/>) at CLIP's vocabulary. An image tower open_clip does not build is refused.</summary>
    static string ModelArgument(RunLayout run, TrainOptions options, string folder)
    {
        int imageSize;
        using (var images = RunImages.Open(run.Images)) imageSize = images.Height;
        var config = TrainStage.Config(options, imageSize);
        if (!OpenClipConfig.OpenClipBuilds(config))
            throw new ArgumentException($"model '{options.Model}' has a {config.Vision.Kind} image tower, which open_clip does not build: give a vision transformer (tiny-vit, ViT-B-32, ViT-B-16, ViT-L-14 or a config file)", nameof(TrainOptions.Model));
        if (OpenClipModels.FirstOrDefault(m => m.Equals(options.Model, StringComparison.OrdinalIgnoreCase)) is { } name) return name;
        string modelFolder = Path.Combine(folder, "model");
        AtomicFile.WriteAllText(Path.Combine(modelFolder, OpenClipConfig.FileName), OpenClipConfig.ToJson(config) + "\n");
        return "local-dir:" + modelFolder;
    }

    /// <summary>The manifest of shard set <paramref name="set"/>, which must follow these options' schedule.</summary>
    static ShardManifest Manifest(string shards, string set, TrainOptions options)
    {
        string folder = Path.Combine(Path.GetFullPath(shards), set);
        if (!File.Exists(Path.Combine(folder, ShardManifest.FileName)))
            throw new FileNotFoundException($"{Path.Combine(folder, ShardManifest.FileName)} is missing: write the shards first (`{ModeCommand.Invocation} shards --run RUN --to {ModeCommand.Quote(shards)}`)");
        var manifest = ShardManifest.Load(folder);
        if (manifest.Steps != options.Steps || manifest.SeedSteps != options.SeedSteps || manifest.BatchSize != options.BatchSize || manifest.TrainSeed != options.Seed)
            throw new InvalidDataException($"{Path.Combine(folder, ShardManifest.FileName)}: written for {manifest.Steps} steps ({manifest.SeedSteps} seed), batch {manifest.BatchSize}, seed {manifest.TrainSeed}; " +
                                           $"this training has {options.Steps} ({options.SeedSteps}), {options.BatchSize}, {options.Seed}: write the shards again with these options");
        return manifest;
    }
}
