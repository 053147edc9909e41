using MoDE.Cluster;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Run;

/// <summary>
/// The whole method in order: ingest pairs, embed captions, fine then coarse k-means, expert data, train the
/// seed, the experts and the baseline, then route, ensemble and evaluate. Stages already done are skipped;
/// cancelling <c>stop</c> ends training at its next checkpoint, from which the next run resumes.
/// </summary>
public static class Pipeline
{
    public static Results Run(RunLayout run, RunOptions options, TextWriter log, CancellationToken stop = default)
    {
        if (options.Source is { } source) IngestStage.Run(run, source, log);
        else IngestStage.Run(run, options.Data, log);
        EmbedStage.Run(run, options.Embed, log, stop);
        ClusterStage.Run(run, options.Cluster, log);
        ExpertData.Run(run, options.Split, log);
        TrainStage.Run(run, options.Train, log, stop);
        return EvalStage.Run(run, options.Eval, log);
    }
}
