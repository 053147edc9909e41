using MoDE.Cluster;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Report;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Run;

/// <summary>
/// The whole method in order: ingest pairs, embed captions, fine then coarse k-means, expert data, train the
/// seed, the experts and the baselines, then route, ensemble and evaluate, then the report. <see cref="Stages"/> is
/// the one ordered list of stages; <c>mode run</c>, <c>mode status</c>, the ablation and the CLI's stage verbs
/// read it. Stages already done are skipped; cancelling <c>stop</c> ends the running stage at its next chunk,
/// iteration or checkpoint, keeping what is finished (embed chunks, training checkpoints), from which the next run
/// resumes.
/// </summary>
public static class Pipeline
{
    /// <summary>A stage as the pipeline runs it: its <see cref="Storage.Stage"/>, its options record within
    /// <see cref="RunOptions"/> (null for the report, which is always rewritten), and how to run it with them.</summary>
    public sealed record Step(Stage Stage, Func<RunOptions, object?> Options, Action<RunLayout, RunOptions, TextWriter, CancellationToken> Run);

    /// <summary>The stages in pipeline order.</summary>
    public static readonly IReadOnlyList<Step> Stages =
    [
        new(IngestStage.Stage, o => o.Source is { } source ? source : o.Data, (run, o, log, stop) =>
        {
            if (o.Source is { } source) IngestStage.Run(run, source, log, stop);
            else IngestStage.Run(run, o.Data, log, stop);
        }),
        new(EmbedStage.Stage, o => o.Embed, (run, o, log, stop) => EmbedStage.Run(run, o.Embed, log, stop)),
        new(ClusterStage.Stage, o => o.Cluster, (run, o, log, stop) => ClusterStage.Run(run, o.Cluster, log, stop)),
        new(SplitStage.Stage, o => o.Split, (run, o, log, stop) => SplitStage.Run(run, o.Split, log, stop)),
        new(TrainStage.Stage, o => o.Train, (run, o, log, stop) => TrainStage.Run(run, o.Train, log, stop)),
        new(EvalStage.Stage, o => o.Eval, (run, o, log, stop) => EvalStage.Run(run, o.Eval, log, stop)),
        new(RunReport.Stage, _ => null, (run, _, log, stop) => RunReport.Write(run, log, stop)),
    ];

    /// <summary>
    /// Every stage in order; returns the results table of the run's tasks. Before the first stage runs, every option is
    /// checked and every stage's markers (finished, or unfinished work started) compared with the options asked for, and
    /// a finished split's experts with the batch size, so a rerun with other options fails at once, naming the stage
    /// and the fields, instead of after the stages before it. Each stage holds its lock while it runs
    /// (<see cref="StageLock"/>): a second process on the same run is refused at the first stage it would work on.
    /// </summary>
    public static Results Run(RunLayout run, RunOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        foreach (var step in Stages)
            if (step.Options(options) is { } stageOptions) step.Stage.IsDoneWith(run, stageOptions);
        if (SplitStage.Stage.IsDone(run) && !TrainStage.Stage.IsDone(run)) TrainStage.RequireFullBatches(run, options.Train);
        // The eval stage needs a task: known before the first stage when nothing is held out, else once the pairs are in.
        if (options.Source is { HeldOut: 0 } && !EvalStage.Stage.IsDone(run)) EvalStage.RequireTasks(run, options.Eval);
        foreach (var step in Stages)
        {
            stop.ThrowIfCancellationRequested();
            step.Run(run, options, log, stop);
            if (step.Stage == IngestStage.Stage && !EvalStage.Stage.IsDone(run)) EvalStage.RequireTasks(run, options.Eval);
        }
        return Results.Load(run);
    }
}
