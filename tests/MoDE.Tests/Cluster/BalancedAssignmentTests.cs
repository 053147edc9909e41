using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Tests.Cluster;

/// <summary>The auction's balanced assignment: the size bound, its quality against a greedy one, determinism.</summary>
public class BalancedAssignmentTests
{
    /// <summary>80% of the points in one tight blob, the rest spread: plain nearest-center sizes are far from equal.</summary>
    static float[] Skewed(int n, int dimension, int seed) =>
        [.. KMeansTests.Blobs(n * 4 / 5, dimension, 1, seed, spread: 0.05), .. KMeansTests.Blobs(n - n * 4 / 5, dimension, 6, seed + 1)];

    /// <summary>The textbook greedy: all (point, center) pairs by distance, taken while the point is free and the center has room.</summary>
    static double GreedyObjective(float[] points, float[] centers, int dimension)
    {
        int n = points.Length / dimension, k = centers.Length / dimension, capacity = (n + k - 1) / k;
        var pairs = new List<(float Distance, int Point, int Center)>();
        for (int i = 0; i < n; i++)
            for (int c = 0; c < k; c++)
            {
                float d = System.Numerics.Tensors.TensorPrimitives.Distance(points.AsSpan(i * dimension, dimension), centers.AsSpan(c * dimension, dimension));
                pairs.Add((d * d, i, c));
            }
        var taken = new bool[n];
        var load = new int[k];
        double total = 0;
        foreach (var (distance, point, center) in pairs.OrderBy(p => p.Distance))
        {
            if (taken[point] || load[center] >= capacity) continue;
            taken[point] = true;
            load[center]++;
            total += distance;
        }
        return total;
    }

    [Theory]
    [InlineData(4)]   // the coarse step's shape: every center is a candidate
    [InlineData(48)]  // more centers than candidates: the sparse auction, with exact leftovers
    public void EveryClusterHoldsAtMostCeilNOverKAndTheCostIsNoWorseThanGreedy(int k)
    {
        const int n = 3000, dimension = 8;
        var points = Skewed(n, dimension, seed: 40);
        var centers = KMeansTests.Blobs(k, dimension, k, seed: 41);
        using var rows = MatrixRows.InMemory(points, dimension);
        var (assignment, distances) = KMeans.BalancedAssign(rows, centers);

        int capacity = (n + k - 1) / k;
        var sizes = new int[k];
        Assert.All(assignment, a => Assert.InRange(a, 0, k - 1)); // no point left out
        foreach (int a in assignment) sizes[a]++;
        Assert.True(sizes.Max() <= capacity, $"largest cluster {sizes.Max()} > ceil(N/K) = {capacity}");
        Assert.InRange(KMeans.Imbalance(sizes, n), 1.0, 1.01);
        var plain = KMeans.Nearest(points, centers, dimension).Assignment;
        Assert.True(plain.GroupBy(a => a).Max(g => g.Count()) > 2 * capacity, "the data should be skewed enough to need balancing");

        // Each distance is the point's true distance to its assigned center.
        for (int i = 0; i < n; i += 37)
        {
            float d = System.Numerics.Tensors.TensorPrimitives.Distance(points.AsSpan(i * dimension, dimension), centers.AsSpan(assignment[i] * dimension, dimension));
            Assert.Equal(d * d, distances[i], 3);
        }
        double auction = distances.Sum(d => (double)d), greedy = GreedyObjective(points, centers, dimension);
        Assert.True(auction <= greedy * 1.01, $"auction {auction:F2} vs greedy {greedy:F2}");
        Assert.Equal(assignment, KMeans.BalancedAssign(rows, centers).Assignment);
    }

    [Fact]
    public void BalancedFitKeepsEveryIterationWithinTheBound()
    {
        var points = Skewed(4000, 8, seed: 42);
        var result = KMeans.Fit(points, 8, new KMeansOptions { K = 40, Iterations = 6, Balanced = true, Metric = KMeansMetric.SquaredEuclidean, Tolerance = 0 });
        Assert.All(result.Iterations, i => Assert.InRange(i.ImbalanceFactor, 1.0, 1.01));
    }
}
