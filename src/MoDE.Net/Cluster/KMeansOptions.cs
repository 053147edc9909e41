using System.Text.Json.Serialization;

namespace MoDE.Cluster;

/// <summary>Distance k-means minimises.</summary>
public enum KMeansMetric
{
    /// <summary>Squared euclidean distance; centers are plain means (the MoDE code on normalized embeddings).</summary>
    SquaredEuclidean,
    /// <summary>Cosine: centers are renormalized to unit length after each update (faiss <c>spherical</c>).</summary>
    Spherical,
}

/// <summary>How the first K centers are chosen.</summary>
public enum KMeansInit
{
    /// <summary>K distinct points drawn from the training sample with the seed, as faiss and the MoDE code do.</summary>
    RandomSample,
    /// <summary>
    /// k-means++ (Arthur and Vassilvitskii 2007): each next center drawn with probability proportional to the squared
    /// distance to the nearest chosen one, over a seeded subsample of at most <see cref="KMeans.PlusPlusPointsPerCentroid"/>
    /// points per centroid so the K sequential passes stay cheap.
    /// </summary>
    KMeansPlusPlus,
}

/// <summary>Options of one k-means fit. Every default names its reason.</summary>
public sealed record KMeansOptions
{
    /// <summary>Number of clusters; no default (the paper: m = 1024 fine, n = 2..32 coarse).</summary>
    public required int K { get; init; }

    /// <summary>Lloyd iterations at most. faiss defaults to 25; the MoDE code runs up to 50 (fine) and 100 (coarse).</summary>
    public int Iterations { get; init; } = 25;

    /// <summary>Spherical by default: the paper notes spherical k-means in faiss gives assignments like its own.</summary>
    public KMeansMetric Metric { get; init; } = KMeansMetric.Spherical;

    /// <summary>
    /// Capacity-constrained assignment, each cluster holding at most ceil(N/K) points, as the MoDE code's balanced
    /// k-means (which solves it by an auction). Here an auction over each point's nearest candidates
    /// (<see cref="KMeans.BalancedCandidates"/>), so it scales to millions of points. Off by default: the paper
    /// clusters fine with plain k-means; <see cref="ClusterOptions"/> turns it on for the coarse step, as the code.
    /// </summary>
    public bool Balanced { get; init; }

    /// <summary>Random sample by default, as faiss and the MoDE code.</summary>
    public KMeansInit Init { get; init; } = KMeansInit.RandomSample;

    /// <summary>
    /// Fit on at most K x this many points, sampled with the seed (faiss: max_points_per_centroid = 256); every point
    /// is still assigned afterwards. Under <see cref="KMeans.MinPointsPerCentroid"/> (39, faiss) points per centroid
    /// the fit warns that centers will be noisy.
    /// </summary>
    public int MaxPointsPerCentroid { get; init; } = 256;

    /// <summary>Stop early when the squared sum of center shifts falls below this (the MoDE code: 1e-3).</summary>
    public double Tolerance { get; init; } = 1e-3;

    /// <summary>Drives the training sample, the initial centers and the choice of which cluster an empty one splits; nothing else.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>How each assignment step finds nearest centers; Auto by default (the kernel where the CPU runs it).</summary>
    [JsonIgnore] // every method gives the same assignment, so the cluster stage's marker leaves it out
    public NearestCenterMethod NearestCenter { get; init; } = NearestCenterMethod.Auto;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(K, 1, nameof(K));
        ArgumentOutOfRangeException.ThrowIfLessThan(Iterations, 1, nameof(Iterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPointsPerCentroid, 1, nameof(MaxPointsPerCentroid));
        ArgumentOutOfRangeException.ThrowIfNegative(Tolerance, nameof(Tolerance));
    }
}
