using MoDE.Data;
using MoDE.Embed;
using MoDE.Storage;

namespace MoDE.Cluster;

/// <summary>
/// Stage 2: fine and coarse k-means over the caption embeddings. Writes the centers, the assignments and a
/// <see cref="ClusterReport"/> of what each cluster is about.
/// </summary>
public static class ClusterStage
{
    /// <summary>Fine and coarse centers and assignments from the caption embeddings.</summary>
    public static readonly Stage Stage = new("cluster", [EmbedStage.Stage],
        run => [run.FineCenters, run.CoarseCenters, run.FineAssignment, run.FineToCoarse, run.Hierarchy, run.ClusterReport]);

    /// <summary>Characteristic words kept per cluster in the report.</summary>
    const int ReportWords = 20;

    /// <summary>Fits and saves the clusters; when <paramref name="stop"/> is cancelled, the fit ends at its next
    /// iteration or chunk of points and nothing is saved (a rerun fits again from the start).</summary>
    public static void Run(RunLayout run, ClusterOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        using var hold = Stage.Begin(run, options, log);
        if (hold is null) return;
        using var embeddings = NpyMatrix.Open(run.CaptionEmbeddings); // memory-mapped: only the fit's sample is read into memory
        int rows = embeddings.Rows;
        int[] pairRows = Npy.ReadVector(run.EmbeddedPairs);
        if (pairRows.Length != rows) throw new InvalidDataException($"{run.EmbeddedPairs}: {pairRows.Length} rows for {rows} embeddings");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        log.WriteLine($"cluster: {rows} captions -> m = {options.FineClusters} fine -> n = {options.CoarseClusters} coarse clusters");
        if (rows < KMeans.MinPointsPerCentroid * options.FineClusters)
            log.WriteLine($"cluster: warning: {rows} captions for m = {options.FineClusters} is under {KMeans.MinPointsPerCentroid} per fine cluster; fine centers will be noisy");
        var hierarchy = ClusterHierarchy.Fit(embeddings, options, stop: stop);
        hierarchy.Save(run);
        double seconds = clock.Elapsed.TotalSeconds;
        var report = ClusterReport.Build(hierarchy, embeddings, PairStore.StreamCaptions(run.Pairs), pairRows, ReportWords, seconds);
        report.Save(run.ClusterReport);
        Stage.Finish(run, options);
        foreach (var expert in report.Coarse)
            log.WriteLine($"  expert {expert.Id}: {expert.Captions} captions, {expert.Children} fine clusters, words: {string.Join(' ', expert.Words.Take(8))}" +
                          (expert.Domains.Count > 0 ? $"; domains: {string.Join(", ", expert.Domains.Take(3).Select(d => $"{d.Key} {d.Value}"))}" : ""));
        log.WriteLine($"cluster: done in {seconds:F1} s, fine imbalance {report.FineImbalance:F2}; `{ModeCommand.Invocation} clusters --run {ModeCommand.Quote(run.Root)}` shows every cluster");
    }
}
