using System.Text.Json;
using MoDE.Storage;

namespace MoDE.Split;

/// <summary>
/// The training data of each data expert, as <see cref="SplitStage"/> wrote it. Expert c owns every pair whose fine cluster maps to coarse
/// cluster c; the pairs outside it form its out-of-cluster pool, of which it sees a fresh
/// <see cref="SplitOptions.OutOfClusterRatio"/> share every pass.
/// </summary>
public sealed record ExpertData(int Expert, int[] Rows, int[] OutOfClusterRows, double OutOfClusterRatio)
{
    /// <summary>What <c>split/report.json</c> holds: the number of experts, the out-of-cluster share and each expert's size.</summary>
    public sealed record Report(int Experts, double OutOfClusterRatio, IReadOnlyList<int> Sizes);

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
