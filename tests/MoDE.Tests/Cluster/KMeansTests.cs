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
    [Trait("Hostile", "class6")]
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

public class KMeansAssignmentTests
{
    [Fact]
    public void AssignmentInChunksEqualsAssignmentInOnePiece()
    {
        var points = KMeansTests.Blobs(3000, 16, 10, seed: 31);
        var centers = KMeansTests.Blobs(40, 16, 40, seed: 32);
        var whole = KMeans.Nearest(points, centers, 16, chunkRows: 3000);
        var chunked = KMeans.Nearest(points, centers, 16, chunkRows: 7);
        Assert.Equal(whole.Assignment, chunked.Assignment);
        Assert.Equal(whole.Distances, chunked.Distances);
        // And it is the true nearest center.
        for (int i = 0; i < 3000; i += 97)
        {
            var x = points.AsSpan(i * 16, 16).ToArray();
            int best = Enumerable.Range(0, 40).MinBy(c => System.Numerics.Tensors.TensorPrimitives.Distance(x, centers.AsSpan(c * 16, 16)));
            Assert.Equal(best, whole.Assignment[i]);
        }
    }

    [Fact]
    public void SphericalCentersHaveUnitNorm()
    {
        var points = KMeansTests.Blobs(1000, 8, 5, seed: 33);
        var result = KMeans.Fit(points, 8, new KMeansOptions { K = 7, Iterations = 8, Metric = KMeansMetric.Spherical });
        for (int c = 0; c < 7; c++)
            Assert.Equal(1.0, System.Numerics.Tensors.TensorPrimitives.Norm(result.Centers.AsSpan(c * 8, 8)), 5);
    }

    [Fact]
    public void GivenInitialCentersAreTheStartingPoint()
    {
        var points = KMeansTests.Blobs(500, 8, 4, seed: 34);
        float[] init = points[..(4 * 8)];
        var options = new KMeansOptions { K = 4, Iterations = 1, Metric = KMeansMetric.SquaredEuclidean, Tolerance = 0 };
        var result = KMeans.Fit(points, 8, options, initialCenters: init);
        // One Lloyd step from these centers: the new centers are the means of the points nearest to each.
        var (assignment, _) = KMeans.Nearest(points, init, 8);
        for (int c = 0; c < 4; c++)
        {
            var members = Enumerable.Range(0, 500).Where(i => assignment[i] == c).ToList();
            for (int j = 0; j < 8; j++)
                Assert.Equal(members.Average(i => (double)points[i * 8 + j]), result.Centers[c * 8 + j], 4);
        }
        Assert.Throws<ArgumentException>(() => KMeans.Fit(points, 8, options, initialCenters: new float[5]));
    }
}

public class KMeansInitAndSplitTests
{
    /// <summary>Tight blobs around <paramref name="blobs"/> orthogonal directions, and each point's blob.</summary>
    static (float[] Points, int[] Blob) Separated(int n, int blobs, int dimension, int seed)
    {
        var random = new Random(seed);
        var points = new float[n * dimension];
        var blob = new int[n];
        for (int i = 0; i < n; i++)
        {
            blob[i] = i % blobs;
            for (int j = 0; j < dimension; j++) points[i * dimension + j] = (j == blob[i] ? 1f : 0f) + 0.01f * (float)(random.NextDouble() - 0.5);
        }
        return (points, blob);
    }

    [Fact]
    public void KMeansPlusPlusStartsOneCenterInEveryWellSeparatedBlob()
    {
        const int blobs = 10, dimension = 12;
        var (points, blob) = Separated(2000, blobs, dimension, seed: 50);
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var options = new KMeansOptions { K = blobs, Iterations = 1, Init = KMeansInit.KMeansPlusPlus, Seed = seed, Metric = KMeansMetric.SquaredEuclidean };
            var result = KMeans.Fit(points, dimension, options);
            var assignment = KMeans.Nearest(points, result.Centers, dimension).Assignment;
            // One center per blob: every cluster is exactly one blob.
            var clustersOfBlob = Enumerable.Range(0, blobs).Select(b => assignment.Where((_, i) => blob[i] == b).Distinct().Count());
            Assert.All(clustersOfBlob, c => Assert.Equal(1, c));
            Assert.Equal(blobs, assignment.Distinct().Count());
        }
    }

    [Fact]
    public void AnEmptyClusterIsSplitOffALargeOneWithTheSeed()
    {
        const int dimension = 6;
        var (points, _) = Separated(600, 3, dimension, seed: 51);
        // Four centers: three on the blobs and one far from every point, which gets no point in the first assignment.
        var init = new float[4 * dimension];
        for (int c = 0; c < 3; c++) init[c * dimension + c] = 1;
        init[3 * dimension + 5] = 50;
        var options = new KMeansOptions { K = 4, Iterations = 5, Metric = KMeansMetric.SquaredEuclidean, Tolerance = 0, Seed = 7 };
        var result = KMeans.Fit(points, dimension, options, initialCenters: init);
        Assert.Equal(1, result.Iterations[0].Splits);
        Assert.Equal(4, KMeans.Nearest(points, result.Centers, dimension).Assignment.Distinct().Count());
        Assert.Equal(result.Centers, KMeans.Fit(points, dimension, options, initialCenters: init).Centers);
        // The split center sits in one of the blobs, not at the far point.
        Assert.True(System.Numerics.Tensors.TensorPrimitives.Norm(result.Centers.AsSpan(3 * dimension, dimension)) < 2);
    }
}
