namespace MoDE.Cluster;

/// <summary>Options of the two-step clustering (the MoDE paper: fine k-means over caption embeddings, then coarse k-means over the fine centers).</summary>
public sealed record ClusterOptions
{
    /// <summary>Fine clusters m. The paper uses 1024 on 400M captions; the default suits the built-in 24k pairs.</summary>
    public int FineClusters { get; init; } = 64;

    /// <summary>Coarse clusters n = number of data experts (the paper: 2, 4, 8, 16, 32).</summary>
    public int CoarseClusters { get; init; } = 4;

    /// <summary>Fine k-means iterations (faiss default 25; the MoDE code stops by tolerance within 50).</summary>
    public int FineIterations { get; init; } = 25;

    /// <summary>Coarse k-means iterations (the MoDE code: 100).</summary>
    public int CoarseIterations { get; init; } = 100;

    /// <summary>Seed of both k-means fits (the coarse fit uses Seed + 1).</summary>
    public int Seed { get; init; } = 1234;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(CoarseClusters, 1, nameof(CoarseClusters));
        if (FineClusters < CoarseClusters)
            throw new ArgumentOutOfRangeException(nameof(FineClusters), FineClusters, $"m = {FineClusters} fine clusters cannot form n = {CoarseClusters} coarse ones");
        ArgumentOutOfRangeException.ThrowIfLessThan(FineIterations, 1, nameof(FineIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(CoarseIterations, 1, nameof(CoarseIterations));
    }

    /// <summary>Fine step: spherical k-means with m clusters on the caption embeddings.</summary>
    public KMeansOptions Fine => new() { K = FineClusters, Iterations = FineIterations, Metric = KMeansMetric.Spherical, Seed = Seed };

    /// <summary>Coarse step: balanced k-means with n clusters over the m fine centers, squared euclidean (the MoDE code).</summary>
    public KMeansOptions Coarse => new()
    {
        K = CoarseClusters, Iterations = CoarseIterations, Metric = KMeansMetric.SquaredEuclidean, Balanced = true, Seed = Seed + 1,
    };
}
