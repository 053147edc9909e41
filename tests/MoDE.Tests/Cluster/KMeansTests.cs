using MoDE.Cluster;

namespace MoDE.Tests.Cluster;

public class KMeansTests
{
    /// <summary>Unit vectors scattered around <paramref name="blobs"/> random directions.</summary>
    internal static float[] Blobs(int n, int dimension, int blobs, int seed, double spread = 0.3)
    {
        var random = new Random(seed);
        var centers = Enumerable.Range(0, blobs).Select(_ => Enumerable.Range(0, dimension).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
        var points = new float[n * dimension];
        for (int i = 0; i < n; i++)
        {
            var c = centers[random.Next(blobs)];
            for (int j = 0; j < dimension; j++) points[i * dimension + j] = (float)(c[j] + spread * (random.NextDouble() * 2 - 1));
        }
        KMeans.Normalize(points, dimension);
        return points;
    }

    [Theory]
    [InlineData(KMeansMetric.Spherical)]
    [InlineData(KMeansMetric.SquaredEuclidean)]
    public void ObjectiveNeverIncreases(KMeansMetric metric)
    {
        var points = Blobs(3000, 16, 12, seed: 1);
        var result = KMeans.Fit(points, 16, new KMeansOptions { K = 20, Iterations = 30, Metric = metric, Tolerance = 0, Seed = 3 });
        Assert.True(result.Iterations.Count >= 5);
        for (int i = 1; i < result.Iterations.Count; i++)
            Assert.True(result.Iterations[i].Objective <= result.Iterations[i - 1].Objective * (1 + 1e-6),
                $"iteration {i}: {result.Iterations[i].Objective} > {result.Iterations[i - 1].Objective}");
        Assert.True(result.Iterations[^1].Objective < result.Iterations[0].Objective * 0.95);
    }

    [Fact]
    public void MoreClustersGiveLowerObjective()
    {
        var points = Blobs(2000, 8, 10, seed: 2);
        double previous = double.PositiveInfinity;
        foreach (int k in new[] { 2, 5, 10, 40 })
        {
            double objective = KMeans.Fit(points, 8, new KMeansOptions { K = k, Iterations = 20, Seed = 5 }).Objective(points);
            Assert.True(objective < previous, $"k = {k}: objective {objective} not below {previous}");
            previous = objective;
        }
    }

    [Fact]
    public void SameSeedSameCentersOtherSeedOtherCenters()
    {
        var points = Blobs(1000, 8, 6, seed: 4);
        var options = new KMeansOptions { K = 6, Iterations = 10, Seed = 11 };
        Assert.Equal(KMeans.Fit(points, 8, options).Centers, KMeans.Fit(points, 8, options).Centers);
        Assert.NotEqual(KMeans.Fit(points, 8, options).Centers, KMeans.Fit(points, 8, options with { Seed = 12 }).Centers);
    }

    [Fact]
    public void BalancedAssignmentCapsClusterSizes()
    {
        // Very uneven data: 90% in one blob. Balanced clusters still hold at most ceil(N/K) points each.
        var dense = Blobs(900, 4, 1, seed: 7, spread: 0.05);
        var sparse = Blobs(100, 4, 3, seed: 8);
        float[] points = [.. dense, .. sparse];
        var options = new KMeansOptions { K = 4, Iterations = 15, Balanced = true, Metric = KMeansMetric.SquaredEuclidean };
        var result = KMeans.Fit(points, 4, options);
        foreach (var iteration in result.Iterations)
            Assert.True(iteration.ImbalanceFactor <= 1.0 + 1e-9, $"imbalance {iteration.ImbalanceFactor}");
    }

    [Fact]
    public void RejectsNonFiniteValuesAndTooFewPoints()
    {
        var points = Blobs(10, 4, 2, seed: 9);
        points[13] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => KMeans.Fit(points, 4, new KMeansOptions { K = 2 }));
        Assert.Contains("point 3", error.Message);
        Assert.Throws<ArgumentException>(() => KMeans.Fit(Blobs(5, 4, 2, seed: 9), 4, new KMeansOptions { K = 6 }));
    }

    [Fact]
    public void SamplesAtMostMaxPointsPerCentroid()
    {
        var points = Blobs(5000, 8, 4, seed: 10);
        var result = KMeans.Fit(points, 8, new KMeansOptions { K = 4, Iterations = 5, MaxPointsPerCentroid = 50, Tolerance = 0 });
        Assert.Equal(4 * 8, result.Centers.Length);
        // Imbalance is computed over the sample; a sample of 200 cannot give clusters of the full 5000.
        Assert.All(result.Iterations, i => Assert.True(i.ImbalanceFactor >= 1.0 - 1e-9));
    }
}
