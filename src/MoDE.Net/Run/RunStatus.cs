using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Run;

/// <summary>
/// <c>mode status</c>: every stage of a run (done when its marker exists), every model of the train stage (done,
/// partial at its last checkpoint, or not started), and every Slurm job the launcher submitted, with what Slurm
/// says about it (pending, running, done, failed) and its log file; and the files a pretrained start was made from
/// (<see cref="TrainOptions.Tokenizer"/>, <see cref="TrainOptions.Init"/>), as the train stage's marker records them.
/// </summary>
public static class RunStatus
{
    /// <summary>One line per stage, model and Slurm job.</summary>
    public static void Write(RunLayout run, TextWriter output)
    {
        output.WriteLine($"run {run.Root}");
        foreach (var stage in Pipeline.Stages.Select(s => s.Stage))
            output.WriteLine($"  {stage.Name,-10} {State(run, stage)}");
        if (TrainOptionsOf(run) is { } train)
        {
            if (train.Tokenizer is { } vocabulary) output.WriteLine($"vocabulary {vocabulary}");
            if (train.Init is { } init) output.WriteLine($"pretrained {init.Checkpoint}; seed {init.Seed}, models {init.Models}");
        }

        var jobs = SlurmJobs.Load(run);
        var models = RunModels.Of(run);
        if (models.Count > 0) output.WriteLine("train models");
        foreach (string model in models)
        {
            string local = File.Exists(run.Model(model)) ? "done"
                : File.Exists(run.UnfinishedModel(model)) ? $"partial (checkpoint {Path.GetFileName(run.UnfinishedModel(model))})"
                : "not started";
            output.WriteLine($"  {model,-10} {local}");
        }

        if (jobs.Jobs.Count == 0) return;
        output.WriteLine("slurm jobs");
        foreach (var (unit, id) in jobs.Jobs)
        {
            string state = Describe(SlurmJobState.Query(id), Finished(run, unit));
            string log = jobs.Logs.TryGetValue(unit, out var l) ? l : "";
            output.WriteLine($"  {unit,-10} job {id,-8} {state,-9} {log}");
        }
    }

    /// <summary>The train stage's options as its marker recorded them, finished or started; null when it has none.</summary>
    static TrainOptions? TrainOptionsOf(RunLayout run)
    {
        string marker = File.Exists(run.Done(TrainStage.Stage.Name)) ? run.Done(TrainStage.Stage.Name) : run.Started(TrainStage.Stage.Name);
        return File.Exists(marker) ? JsonFile.Read<TrainOptions>(marker) : null;
    }

    /// <summary>"done" when the stage's marker and every output it lists exist; "not done"; or which output a finished
    /// stage has lost.</summary>
    static string State(RunLayout run, Stage stage)
    {
        if (!stage.IsDone(run)) return "not done";
        string? missing = stage.Outputs(run).FirstOrDefault(path => !File.Exists(path) && !Directory.Exists(path) && !(path == run.Images && ImageSet.Exists(path)));
        if (missing is null && stage == IngestStage.Stage && SourceImageSet.In(run.Images))
        {
            try { SourceImageSet.Open(run.Images).Dispose(); }
            catch (InvalidDataException e) { return $"done, but {e.Message}"; }
        }
        return missing is null ? "done" : $"done, but {missing} is missing: delete {Path.GetDirectoryName(run.Done(stage.Name))} to redo the stage";
    }

    /// <summary>pending, running, done or failed, from Slurm's state; from the files when Slurm has forgotten the job.</summary>
    public static string Describe(string? slurmState, bool finishedOnDisk) => slurmState switch
    {
        null => finishedOnDisk ? "done" : "unknown",
        "PENDING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "CONFIGURING" or "SUSPENDED" => "pending",
        "RUNNING" or "COMPLETING" or "STAGE_OUT" or "SIGNALING" or "RESIZING" => "running",
        "COMPLETED" => "done",
        _ => "failed",
    };

    static bool Finished(RunLayout run, string unit) =>
        unit == TrainStage.Stage.Name ? TrainStage.Stage.IsDone(run) : File.Exists(run.Model(unit));
}
