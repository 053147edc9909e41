using System.Text.Json;
using MoDE.Storage;

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

    /// <summary>Captions of each expert (coarse cluster).</summary>
    public int[] ExpertSizes()
    {
        var sizes = new int[CoarseCount];
        foreach (int f in FineAssignment) sizes[FineToCoarse[f]]++;
        return sizes;
    }

    public static ClusterHierarchy Fit(float[] embeddings, int dimension, ClusterOptions options, TextWriter? log = null)
    {
        using var rows = MatrixRows.InMemory(embeddings, dimension);
        return Fit(rows, options, log);
    }

    /// <summary>
    /// Fine k-means fitted on a sample of the captions, every caption streamed to its nearest fine center, coarse
    /// k-means (balanced by default) over the fine centers, then every fine center to its nearest coarse center.
    /// <paramref name="stop"/> ends the fit at its next k-means iteration or chunk of captions.
    /// </summary>
    public static ClusterHierarchy Fit(MatrixRows embeddings, ClusterOptions options, TextWriter? log = null, CancellationToken stop = default)
    {
        options.Validate();
        int dimension = embeddings.Columns;
        var fine = KMeans.Fit(embeddings, options.Fine, log, stop: stop);
        int[] fineAssignment = KMeans.Nearest(embeddings, fine.Centers, method: options.Fine.NearestCenter, stop: stop).Assignment;
        var coarse = KMeans.Fit(fine.Centers, dimension, options.Coarse, log, stop: stop);
        int[] fineToCoarse = KMeans.Nearest(fine.Centers, coarse.Centers, dimension, method: options.Coarse.NearestCenter).Assignment;
        return new ClusterHierarchy(fine.Centers, coarse.Centers, dimension, fineToCoarse, fineAssignment)
        {
            FineIterations = fine.Iterations, CoarseIterations = coarse.Iterations,
        };
    }

    /// <summary>Version of cluster/hierarchy.json this build writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>
    /// cluster/hierarchy.json: the format version, m, n, the dimension, the fine-to-coarse map and each expert's
    /// caption and fine-cluster counts, beside the .npy arrays (which Python reads with numpy.load).
    /// </summary>
    public sealed record Summary(int FormatVersion, int FineClusters, int CoarseClusters, int Dimension, int Captions,
        int[] FineToCoarse, int[] ExpertCaptions, int[] ExpertFineClusters);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Writes the arrays, then hierarchy.json last: a hierarchy is complete when its summary exists.</summary>
    public void Save(RunLayout run)
    {
        Npy.Write(run.FineCenters, FineCenters, FineCount, Dimension);
        Npy.Write(run.CoarseCenters, CoarseCenters, CoarseCount, Dimension);
        Npy.Write(run.FineToCoarse, FineToCoarse);
        Npy.Write(run.FineAssignment, FineAssignment);
        var summary = new Summary(CurrentFormatVersion, FineCount, CoarseCount, Dimension, FineAssignment.Length, FineToCoarse, ExpertSizes(),
            [.. Enumerable.Range(0, CoarseCount).Select(c => FineToCoarse.Count(p => p == c))]);
        AtomicFile.WriteAllText(run.Hierarchy, JsonSerializer.Serialize(summary, Json));
    }

    public static ClusterHierarchy Load(RunLayout run)
    {
        if (!File.Exists(run.Hierarchy))
            throw new InvalidDataException($"{run.Hierarchy} is missing: the clusters are incomplete or from an older MoDE.NET; run `mode cluster` again");
        var summary = JsonFile.Read<Summary>(run.Hierarchy, Json);
        if (summary.FormatVersion != CurrentFormatVersion)
            throw new InvalidDataException($"{run.Hierarchy}: format version {summary.FormatVersion}, this build reads {CurrentFormatVersion}; run `mode cluster` again");
        var (fine, m, dimension) = Npy.ReadMatrix(run.FineCenters);
        var (coarse, n, coarseDimension) = Npy.ReadMatrix(run.CoarseCenters);
        int[] fineToCoarse = Npy.ReadVector(run.FineToCoarse);
        int[] assignment = Npy.ReadVector(run.FineAssignment);
        if (coarseDimension != dimension || fineToCoarse.Length != m || fineToCoarse.Any(c => c < 0 || c >= n) || assignment.Any(f => f < 0 || f >= m))
            throw new InvalidDataException($"{Path.GetDirectoryName(run.FineCenters)}: cluster files do not agree with each other");
        if (summary.FineClusters != m || summary.CoarseClusters != n || summary.Dimension != dimension || summary.Captions != assignment.Length
            || !summary.FineToCoarse.SequenceEqual(fineToCoarse))
            throw new InvalidDataException($"{run.Hierarchy} does not describe the .npy files beside it");
        return new ClusterHierarchy(fine, coarse, dimension, fineToCoarse, assignment);
    }
}
