namespace MoDE.Cluster;

/// <summary>Distance k-means minimises.</summary>
public enum KMeansMetric
{
    /// <summary>Squared euclidean distance; centers are plain means (the MoDE code on normalized embeddings).</summary>
    SquaredEuclidean,
    /// <summary>Cosine: centers are renormalized to unit length after each update (faiss <c>spherical</c>).</summary>
    Spherical,
}

/// <summary>Options of one k-means fit. Every default names its reason.</summary>
public sealed record KMeansOptions
{
    /// <summary>Number of clusters.</summary>
    public required int K { get; init; }

    /// <summary>Lloyd iterations at most. faiss defaults to 25; the MoDE code runs up to 50 (fine) and 100 (coarse).</summary>
    public int Iterations { get; init; } = 25;

    /// <summary>Spherical by default: the paper notes spherical k-means in faiss gives assignments like its own.</summary>
    public KMeansMetric Metric { get; init; } = KMeansMetric.Spherical;

    /// <summary>
    /// Capacity-constrained assignment, each cluster holding at most ceil(N/K) points, as the MoDE code's
    /// balanced k-means. Greedy over all (point, center) distances in increasing order: meant for small N
    /// such as the coarse step over fine centers.
    /// </summary>
    public bool Balanced { get; init; }

    /// <summary>Fit on at most K x this many points, sampled with the seed (faiss: max_points_per_centroid = 256).</summary>
    public int MaxPointsPerCentroid { get; init; } = 256;

    /// <summary>Stop early when the squared sum of center shifts falls below this (the MoDE code: 1e-3).</summary>
    public double Tolerance { get; init; } = 1e-3;

    /// <summary>Drives the sample, the initial centers (K random points, as faiss and the MoDE code) and nothing else.</summary>
    public int Seed { get; init; } = 1234;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(K, 1, nameof(K));
        ArgumentOutOfRangeException.ThrowIfLessThan(Iterations, 1, nameof(Iterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPointsPerCentroid, 1, nameof(MaxPointsPerCentroid));
        ArgumentOutOfRangeException.ThrowIfNegative(Tolerance, nameof(Tolerance));
    }
}
