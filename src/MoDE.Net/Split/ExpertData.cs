using System.Text.Json.Serialization;
using MoDE.Storage;

namespace MoDE.Split;

/// <summary>
/// The training data of each data expert, as <see cref="SplitStage"/> wrote it. Expert c owns every pair whose fine cluster maps to coarse
/// cluster c (and, with overlapping experts, those it shares near its boundary); the other pairs form its out-of-cluster pool, of which it sees a fresh
/// <see cref="SplitOptions.OutOfClusterRatio"/> share every pass.
/// </summary>
public sealed record ExpertData(int Expert, int[] Rows, int[] OutOfClusterRows, double OutOfClusterRatio)
{
    /// <summary>What <c>split/report.json</c> holds: the number of experts, the out-of-cluster share and each expert's size,
    /// shared pairs included; with overlapping experts also F and, per expert, the fine clusters and pairs it takes from
    /// another expert's side of the boundary (absent for disjoint experts, as before the option existed).</summary>
    public sealed record Report(int Experts, double OutOfClusterRatio, IReadOnlyList<int> Sizes)
    {
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public double Overlap { get; init; }
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<int>? SharedFineClusters { get; init; }
        [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<int>? SharedPairs { get; init; }
    }

    /// <summary>The split stage's <c>split/report.json</c>; throws naming the file when it is damaged.</summary>
    public static Report ReadReport(RunLayout run)
    {
        var report = JsonFile.Read<Report>(run.SplitReport);
        if (report.Experts < 1 || report.Sizes.Count != report.Experts)
            throw new InvalidDataException($"{run.SplitReport}: {report.Experts} experts with {report.Sizes.Count} sizes");
        return report;
    }

    /// <summary>The data of every expert, as the split stage wrote it.</summary>
    public static List<ExpertData> Load(RunLayout run)
    {
        var report = ReadReport(run);
        var rows = Enumerable.Range(0, report.Experts).Select(c => Npy.ReadVector(run.ExpertRows(c))).ToList();
        return rows.Select((own, c) => new ExpertData(c, own,
            rows.Where((_, other) => other != c).SelectMany(r => r).Except(own).Order().ToArray(), report.OutOfClusterRatio)).ToList();
    }
}
