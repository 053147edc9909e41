using System.Text.Json;
using MoDE.Data.Ingest;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Slurm;

/// <summary>
/// The train stage on Slurm (the MoDE paper's experts train independently once the seed is done): one seed job; a job
/// array of n expert tasks and the single-model job, each <c>afterok</c> the seed; the baseline (from scratch)
/// at once; a last job, <c>afterok</c> all of them, that finds every model done and writes the stage's marker.
/// Each task runs <c>mode train --only NAME</c> with the run's training options from <c>RUN/slurm/train.json</c>,
/// so every model is trained exactly as the local launcher trains it.
/// </summary>
public static class SlurmTrainLauncher
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes the sbatch files into <c>RUN/slurm/</c>, submits them and returns the job ids (also saved to jobs.json).</summary>
    public static SlurmJobs Submit(RunLayout run, TrainOptions options, SlurmOptions slurm, TextWriter log)
    {
        options.Validate(options.Steps); // every model's schedule is at least this long
        SbatchScript.Check(run.Root, slurm);
        TrainStage.Stage.Require(run);
        if (TrainStage.Stage.IsDoneWith(run, options)) { log.WriteLine("train: done already, nothing submitted"); return SlurmJobs.Load(run); }
        TrainStage.RequireFullBatches(run, options); // the seed job would find it at once; refuse before submitting anything
        using (var images = RunImages.Open(run.Images)) TrainStage.RequirePretrained(options, images.Height); // as would a wrong --init
        int experts = RunModels.Experts(run);

        string folder = Path.Combine(run.Root, "slurm");
        string logs = Path.Combine(folder, "logs");
        Directory.CreateDirectory(logs);
        string optionsFile = Path.Combine(folder, "train.json");
        AtomicFile.WriteAllText(optionsFile, JsonSerializer.Serialize(options, Json) + "\n");

        string mode = slurm.Mode.Length > 0 ? slurm.Mode : ModeCommand.Invocation;
        string threads = options.Threads > 0 ? options.Threads.ToString() : "\"${SLURM_CPUS_PER_TASK:-1}\"";
        string Train(string model) =>
            $"{mode} train --run {ModeCommand.Quote(run.Root)} --train-options {ModeCommand.Quote(optionsFile)} --threads {threads}" +
            (options.Device != TrainDevice.Cpu ? $" --device {options.Device}" : "") + // not in train.json: checkpoints are device-independent
            (model.Length > 0 ? $" --only {model}" : "");

        var jobs = new SlurmJobs();
        string Write(string name, SbatchScript script, params string[] flags) => script.Submit(folder, name, slurm, run.Root, log, flags);
        string LogOf(string name) => Path.Combine(logs, $"{name}_%j.out");
        void Record(string model, string job, string file)
        {
            jobs.Jobs[model] = job;
            jobs.Logs[model] = Path.Combine(logs, $"{file}_{job}.out");
        }

        string seed = Write("train-seed", new SbatchScript
        {
            JobName = "mode-seed", Purpose = $"MoDE train: the seed model ({options.SeedSteps} steps on all data).",
            Log = LogOf("train-seed"), Command = Train(RunModels.Seed),
        });
        Record(RunModels.Seed, seed, "train-seed");

        string expertArray = Write("train-experts", new SbatchScript
        {
            JobName = "mode-experts", Purpose = $"MoDE train: data expert i = task id, {options.ExpertSteps} steps from the seed's saved state.",
            Log = Path.Combine(logs, "train-experts_%A_%a.out"), Array = $"0-{experts - 1}",
            Setup = ["model=expert_${SLURM_ARRAY_TASK_ID}"], Command = Train("\"$model\""),
        }, $"--dependency=afterok:{seed}");
        for (int i = 0; i < experts; i++) Record(RunModels.Expert(i), $"{expertArray}_{i}", "train-experts");

        string single = Write("train-single", new SbatchScript
        {
            JobName = "mode-single", Purpose = "MoDE train: the seed continued on all data (the single-model baseline).",
            Log = LogOf("train-single"), Command = Train(RunModels.Single),
        }, $"--dependency=afterok:{seed}");
        Record(RunModels.Single, single, "train-single");

        string baseline = Write("train-baseline", new SbatchScript
        {
            JobName = "mode-baseline", Purpose = $"MoDE train: the equal-compute baseline from scratch ({options.BaselineSteps(experts)} steps).",
            Log = LogOf("train-baseline"), Command = Train(RunModels.Baseline),
        });
        Record(RunModels.Baseline, baseline, "train-baseline");

        string finish = Write("train-finish", new SbatchScript
        {
            JobName = "mode-train-done", Purpose = "MoDE train: every model is done; write the stage's marker.",
            Log = LogOf("train-finish"), Command = Train(""),
        }, $"--dependency=afterok:{seed}:{expertArray}:{single}:{baseline}");
        Record(TrainStage.Stage.Name, finish, "train-finish");

        jobs.Save(run);
        return jobs;
    }
}
