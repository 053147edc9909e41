using System.Text.Json;
using MoDE.Data;
using MoDE.Embed;
using MoDE.Run;

namespace MoDE.Cluster;

/// <summary>
/// Stage 2: fine and coarse k-means over the caption embeddings. Writes the centers, the assignments and a
/// report: cluster sizes, and for each expert its most characteristic caption words and, when the pairs carry
/// ground truth (the built-in dataset), its mix of visual domains.
/// </summary>
public static class ClusterStage
{
    public const string Name = "cluster";

    public sealed record Expert(int Id, int FineClusters, int Captions, IReadOnlyList<string> TopWords, IReadOnlyDictionary<string, int> Domains);
    public sealed record Report(int Captions, int FineClusters, int CoarseClusters, double FineImbalance, IReadOnlyList<int> FineSizes, IReadOnlyList<Expert> Experts, double Seconds);

    public static void Run(RunLayout run, ClusterOptions options, TextWriter log)
    {
        options.Validate();
        if (StageMarker.IsDone(run, Name, options)) { log.WriteLine("cluster: done already, skipped"); return; }
        StageMarker.Require(run, Name, EmbedStage.Name);
        var (embeddings, rows, dimension) = Npy.ReadMatrix(run.CaptionEmbeddings);
        int[] pairRows = Npy.ReadVector(run.EmbeddedPairs);
        if (pairRows.Length != rows) throw new InvalidDataException($"{run.EmbeddedPairs}: {pairRows.Length} rows for {rows} embeddings");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        log.WriteLine($"cluster: {rows} captions -> m = {options.FineClusters} fine -> n = {options.CoarseClusters} coarse clusters");
        var hierarchy = ClusterHierarchy.Fit(embeddings, dimension, options);
        hierarchy.Save(run);
        var report = Describe(hierarchy, PairStore.ReadCaptions(run.Pairs), pairRows, clock.Elapsed.TotalSeconds);
        AtomicFile.WriteAllText(run.ClusterReport, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        StageMarker.MarkDone(run, Name, options);
        foreach (var expert in report.Experts)
            log.WriteLine($"  expert {expert.Id}: {expert.Captions} captions, {expert.FineClusters} fine clusters, words: {string.Join(' ', expert.TopWords.Take(8))}" +
                          (expert.Domains.Count > 0 ? $"; domains: {string.Join(", ", expert.Domains.OrderByDescending(d => d.Value).Take(3).Select(d => $"{d.Key} {d.Value}"))}" : ""));
        log.WriteLine($"cluster: done in {report.Seconds:F1} s, fine imbalance {report.FineImbalance:F2}");
    }

    static Report Describe(ClusterHierarchy hierarchy, List<Pair> pairs, int[] pairRows, double seconds)
    {
        int m = hierarchy.FineCount, n = hierarchy.CoarseCount;
        var fineSizes = new int[m];
        foreach (int f in hierarchy.FineAssignment) fineSizes[f]++;
        int[] expertOf = hierarchy.ExpertOfCaption();
        var captionsByExpert = Enumerable.Range(0, n).Select(c => pairRows.Where((_, i) => expertOf[i] == c).Select(r => pairs[r]).ToList()).ToList();
        var words = CaptionWords.Characteristic(captionsByExpert.Select(list => list.Select(p => p.Caption)).ToList(), 12);
        var experts = Enumerable.Range(0, n).Select(c => new Expert(
            c, hierarchy.FineToCoarse.Count(p => p == c), captionsByExpert[c].Count, words[c],
            captionsByExpert[c].Where(p => p.Domain is not null && !p.Noisy).GroupBy(p => p.Domain!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count()))).ToList();
        return new Report(pairRows.Length, m, n, KMeans.Imbalance(fineSizes, pairRows.Length), fineSizes, experts, seconds);
    }
}
