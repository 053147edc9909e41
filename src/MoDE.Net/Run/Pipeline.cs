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
/// read it. Stages already done are skipped; cancelling <c>stop</c> ends training at its next checkpoint, from
/// which the next run resumes.
/// </summary>
public static class Pipeline
{
    /// <summary>A stage as the pipeline runs it: its <see cref="Storage.Stage"/>, its options record within
    /// <see cref="RunOptions"/> (null for the report, which is always rewritten), and how to run it with them.</summary>
    public sealed record Step(Stage Stage, Func<RunOptions, object?> Options, Action<RunLayout, RunOptions, TextWriter, CancellationToken> Run);

    /// <summary>The stages in pipeline order.</summary>
    public static readonly IReadOnlyList<Step> Stages =
    [
        new(IngestStage.Stage, o => o.Source is { } source ? source : o.Data, (run, o, log, _) =>
        {
            if (o.Source is { } source) IngestStage.Run(run, source, log);
            else IngestStage.Run(run, o.Data, log);
        }),
        new(EmbedStage.Stage, o => o.Embed, (run, o, log, stop) => EmbedStage.Run(run, o.Embed, log, stop)),
        new(ClusterStage.Stage, o => o.Cluster, (run, o, log, _) => ClusterStage.Run(run, o.Cluster, log)),
        new(SplitStage.Stage, o => o.Split, (run, o, log, _) => SplitStage.Run(run, o.Split, log)),
        new(TrainStage.Stage, o => o.Train, (run, o, log, stop) => TrainStage.Run(run, o.Train, log, stop)),
        new(EvalStage.Stage, o => o.Eval, (run, o, log, _) => EvalStage.Run(run, o.Eval, log)),
        new(RunReport.Stage, _ => null, (run, _, log, _) => RunReport.Write(run, log)),
    ];

    /// <summary>
    /// Every stage in order; returns the results table of the run's tasks. Before the first stage runs, every option is
    /// checked and every finished stage's marker compared with the options asked for, so a rerun with other options
    /// fails at once, naming the stage and the fields, instead of after the stages before it.
    /// </summary>
    public static Results Run(RunLayout run, RunOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        foreach (var step in Stages)
            if (step.Options(options) is { } stageOptions && step.Stage.IsDone(run)) StageMarker.IsDone(run, step.Stage.Name, stageOptions);
        // The eval stage needs a task: known before the first stage when nothing is held out, else once the pairs are in.
        if (options.Source is { HeldOut: 0 } && !EvalStage.Stage.IsDone(run)) EvalStage.RequireTasks(run, options.Eval);
        foreach (var step in Stages)
        {
            step.Run(run, options, log, stop);
            if (step.Stage == IngestStage.Stage && !EvalStage.Stage.IsDone(run)) EvalStage.RequireTasks(run, options.Eval);
        }
        return Results.Load(run);
    }
}
