using System.Text.Json;
using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Split;

/// <summary>
/// Stage 3: the training data of each data expert. Expert c owns every pair whose fine cluster maps to coarse
/// cluster c; the pairs outside it form its out-of-cluster pool, of which it sees a fresh
/// <see cref="SplitOptions.OutOfClusterRatio"/> share every pass.
/// </summary>
public sealed record ExpertData(int Expert, int[] Rows, int[] OutOfClusterRows, double OutOfClusterRatio)
{
    public const string StageName = "split";

    public sealed record Report(int Experts, double OutOfClusterRatio, IReadOnlyList<int> Sizes);

    public static void Run(RunLayout run, SplitOptions options, TextWriter log)
    {
        options.Validate();
        if (StageMarker.IsDone(run, StageName, options)) { log.WriteLine("split: done already, skipped"); return; }
        StageMarker.Require(run, StageName, ClusterStage.Name);
        var hierarchy = ClusterHierarchy.Load(run);
        int[] pairRows = Npy.ReadVector(run.EmbeddedPairs);
        int[] expertOf = hierarchy.ExpertOfCaption();
        var sizes = new List<int>();
        for (int c = 0; c < hierarchy.CoarseCount; c++)
        {
            int[] rows = pairRows.Where((_, i) => expertOf[i] == c).ToArray();
            Npy.Write(run.ExpertRows(c), rows);
            sizes.Add(rows.Length);
        }
        AtomicFile.WriteAllText(run.SplitReport, JsonSerializer.Serialize(new Report(sizes.Count, options.OutOfClusterRatio, sizes), new JsonSerializerOptions { WriteIndented = true }));
        StageMarker.MarkDone(run, StageName, options);
        log.WriteLine($"split: expert sizes {string.Join(" / ", sizes)} (+ {options.OutOfClusterRatio:P0} of the out-of-cluster pairs each pass)");
    }

    /// <summary>The data of every expert, as the split stage wrote it.</summary>
    public static List<ExpertData> Load(RunLayout run)
    {
        var report = JsonSerializer.Deserialize<Report>(File.ReadAllText(run.SplitReport))
            ?? throw new InvalidDataException($"{run.SplitReport}: empty");
        var rows = Enumerable.Range(0, report.Experts).Select(c => Npy.ReadVector(run.ExpertRows(c))).ToList();
        return rows.Select((own, c) => new ExpertData(c, own,
            rows.Where((_, other) => other != c).SelectMany(r => r).Order().ToArray(), report.OutOfClusterRatio)).ToList();
    }
}
