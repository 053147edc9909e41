using MoDE.Data;
using MoDE.Storage;

namespace MoDE.Cluster;

/// <summary>
/// The paper's control for clustering (ablation f: a random split into 2 experts, 57.7 vs 58.6): every caption goes
/// to one of m "fine clusters" drawn at random, fine cluster f to expert f mod n. Centers are the normalized means of
/// their members, so routing still runs, but on clusters that mean nothing. Written in place of the cluster stage.
/// </summary>
public static class RandomSplit
{
    /// <summary>What the cluster stage's marker records for a random split.</summary>
    public sealed record Options(int FineClusters, int CoarseClusters, int Seed, string Kind = "random split");

    public static void Run(RunLayout run, Options options, TextWriter log)
    {
        using var hold = ClusterStage.Stage.Begin(run, options, log);
        if (hold is null) return;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CoarseClusters, 1, nameof(options.CoarseClusters));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FineClusters, options.CoarseClusters, nameof(options.FineClusters));
        var (embeddings, rows, d) = Npy.ReadMatrix(run.CaptionEmbeddings);
        int m = options.FineClusters, n = options.CoarseClusters;
        var random = new Random(options.Seed);
        // a shuffled round-robin, so every fine cluster gets its share
        int[] assignment = Enumerable.Range(0, rows).Select(i => i % m).OrderBy(_ => random.Next()).ToArray();
        var fine = new float[m * d];
        for (int i = 0; i < rows; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(fine.AsSpan(assignment[i] * d, d), embeddings.AsSpan(i * d, d), fine.AsSpan(assignment[i] * d, d));
        KMeans.Normalize(fine, d);
        int[] fineToCoarse = Enumerable.Range(0, m).Select(f => f % n).ToArray();
        var coarse = new float[n * d];
        for (int f = 0; f < m; f++)
            System.Numerics.Tensors.TensorPrimitives.Add(coarse.AsSpan(fineToCoarse[f] * d, d), fine.AsSpan(f * d, d), coarse.AsSpan(fineToCoarse[f] * d, d));
        KMeans.Normalize(coarse, d);
        var hierarchy = new ClusterHierarchy(fine, coarse, d, fineToCoarse, assignment);
        hierarchy.Save(run);
        ClusterReport.Build(hierarchy, MatrixRows.InMemory(embeddings, d), PairStore.StreamCaptions(run.Pairs), Npy.ReadVector(run.EmbeddedPairs), 20, 0).Save(run.ClusterReport);
        ClusterStage.Stage.Finish(run, options);
        log.WriteLine($"cluster (random split): {rows} captions at random into m = {m} fine clusters, {n} experts");
    }
}
