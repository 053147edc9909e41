using System.Text.Json;
using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Split;

/// <summary>
/// The expert data stage: expert c owns every pair whose fine cluster maps to coarse cluster c (<see cref="ExpertData"/>),
/// and, with overlapping experts, those of the fine clusters near its coarse boundary (<see cref="BoundaryClusters"/>).
/// Writes each expert's pair rows and <c>split/report.json</c>, the one artifact later stages read the number of
/// experts from (<see cref="RunModels"/>).
/// </summary>
public static class SplitStage
{
    /// <summary>Each expert's pair rows (as many as the report names, once it exists), from the fine-to-coarse map of the cluster stage.</summary>
    public static readonly Stage Stage = new("split", [ClusterStage.Stage],
        run => [run.SplitReport, .. Enumerable.Range(0, File.Exists(run.SplitReport) ? RunModels.Experts(run) : 0).Select(run.ExpertRows)]);

    public static void Run(RunLayout run, SplitOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        using var hold = Stage.Begin(run, options, log);
        if (hold is null) return;
        var hierarchy = ClusterHierarchy.Load(run);
        int[] pairRows = Npy.ReadVector(run.EmbeddedPairs);
        int[] expertOf = hierarchy.ExpertOfCaption();
        int[] second = BoundaryClusters.SecondExpert(hierarchy, options.Overlap);
        var sizes = new List<int>();
        var sharedClusters = new int[hierarchy.CoarseCount];
        var sharedPairs = new int[hierarchy.CoarseCount];
        foreach (int s in second) if (s >= 0) sharedClusters[s]++;
        for (int c = 0; c < hierarchy.CoarseCount; c++)
        {
            stop.ThrowIfCancellationRequested();
            int[] rows = pairRows.Where((_, i) => expertOf[i] == c || second[hierarchy.FineAssignment[i]] == c).ToArray();
            Npy.Write(run.ExpertRows(c), rows);
            sizes.Add(rows.Length);
            sharedPairs[c] = pairRows.Where((_, i) => second[hierarchy.FineAssignment[i]] == c).Count();
        }
        var report = new ExpertData.Report(sizes.Count, options.OutOfClusterRatio, sizes)
        {
            Overlap = options.Overlap,
            SharedFineClusters = options.Overlap == 0 ? null : sharedClusters,
            SharedPairs = options.Overlap == 0 ? null : sharedPairs,
        };
        AtomicFile.WriteAllText(run.SplitReport, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Stage.Finish(run, options);
        log.WriteLine($"split: expert sizes {string.Join(" / ", sizes)} (+ {options.OutOfClusterRatio:P0} of the out-of-cluster pairs each pass)");
        if (options.Overlap > 0)
            log.WriteLine($"split: overlap {options.Overlap}: of the {hierarchy.FineCount} fine clusters, {sharedClusters.Sum()} near a coarse boundary also feed their second expert; " +
                $"each expert takes {string.Join(" / ", sharedClusters.Zip(sharedPairs, (f, p) => $"{f} ({p} pairs)"))} of them");
    }
}
