using MoDE.Run;

namespace MoDE.Cluster;

/// <summary>
/// The result of two-step clustering: m fine centers, n coarse centers, the coarse parent of every fine
/// cluster, and the fine cluster of every embedded caption. Expert c owns the captions whose fine cluster's
/// parent is c.
/// </summary>
public sealed record ClusterHierarchy(float[] FineCenters, float[] CoarseCenters, int Dimension, int[] FineToCoarse, int[] FineAssignment)
{
    /// <summary>Per-iteration statistics of the fine and coarse fits; empty for a hierarchy loaded from disk.</summary>
    public IReadOnlyList<KMeansIteration> FineIterations { get; init; } = [];
    public IReadOnlyList<KMeansIteration> CoarseIterations { get; init; } = [];

    public int FineCount => FineToCoarse.Length;
    public int CoarseCount => CoarseCenters.Length / Dimension;

    /// <summary>The expert (coarse cluster) of each embedded caption.</summary>
    public int[] ExpertOfCaption() => FineAssignment.Select(f => FineToCoarse[f]).ToArray();

    /// <summary>
    /// Fine k-means on the captions, every caption to its nearest fine center, balanced coarse k-means over
    /// the fine centers, then every fine center to its nearest coarse center.
    /// </summary>
    public static ClusterHierarchy Fit(float[] embeddings, int dimension, ClusterOptions options, TextWriter? log = null)
    {
        options.Validate();
        var fine = KMeans.Fit(embeddings, dimension, options.Fine, log);
        int[] fineAssignment = KMeans.Nearest(embeddings, fine.Centers, dimension).Assignment;
        var coarse = KMeans.Fit(fine.Centers, dimension, options.Coarse, log);
        int[] fineToCoarse = KMeans.Nearest(fine.Centers, coarse.Centers, dimension).Assignment;
        return new ClusterHierarchy(fine.Centers, coarse.Centers, dimension, fineToCoarse, fineAssignment)
        {
            FineIterations = fine.Iterations, CoarseIterations = coarse.Iterations,
        };
    }

    public void Save(RunLayout run)
    {
        Npy.Write(run.FineCenters, FineCenters, FineCount, Dimension);
        Npy.Write(run.CoarseCenters, CoarseCenters, CoarseCount, Dimension);
        Npy.Write(run.FineToCoarse, FineToCoarse);
        Npy.Write(run.FineAssignment, FineAssignment);
    }

    public static ClusterHierarchy Load(RunLayout run)
    {
        var (fine, m, dimension) = Npy.ReadMatrix(run.FineCenters);
        var (coarse, n, coarseDimension) = Npy.ReadMatrix(run.CoarseCenters);
        int[] fineToCoarse = Npy.ReadVector(run.FineToCoarse);
        int[] assignment = Npy.ReadVector(run.FineAssignment);
        if (coarseDimension != dimension || fineToCoarse.Length != m || fineToCoarse.Any(c => c < 0 || c >= n) || assignment.Any(f => f < 0 || f >= m))
            throw new InvalidDataException($"{Path.GetDirectoryName(run.FineCenters)}: cluster files do not agree with each other");
        return new ClusterHierarchy(fine, coarse, dimension, fineToCoarse, assignment);
    }
}
