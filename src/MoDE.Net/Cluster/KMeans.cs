using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MoDE.Cluster;

/// <summary>Statistics of one Lloyd iteration; the objective is that of the assignment step.</summary>
public sealed record KMeansIteration(int Iteration, double Objective, double ImbalanceFactor, int Relocated, double CenterShift, double Seconds);

/// <summary>A fitted k-means: K centers of <see cref="Dimension"/> floats, row after row.</summary>
public sealed record KMeansResult(float[] Centers, int K, int Dimension, KMeansMetric Metric, IReadOnlyList<KMeansIteration> Iterations)
{
    /// <summary>Sum over points of the squared euclidean distance to the nearest center.</summary>
    public double Objective(float[] points) => KMeans.Nearest(points, Centers, Dimension).Distances.Sum(d => (double)d);
}

/// <summary>
/// Lloyd's k-means with distances from one matrix product (points x centers) per chunk of points.
/// The objective (sum of squared distances to the assigned center) never increases from one iteration to the
/// next: an empty cluster takes the point farthest from its center, which lowers the objective, instead of a
/// random one.
/// </summary>
public static class KMeans
{
    /// <summary>Below this many points per centroid the fit is warned about (faiss: min_points_per_centroid = 39).</summary>
    public const int MinPointsPerCentroid = 39;

    /// <summary>Points per GEMM in <see cref="Nearest"/>: 16,384 x K floats (64 MB at K = 1024) bounds the memory.</summary>
    public const int DefaultChunkRows = 16_384;

    /// <param name="initialCenters">K x dimension starting centers; null draws K distinct points with the seed.</param>
    public static KMeansResult Fit(float[] points, int dimension, KMeansOptions options, TextWriter? log = null, float[]? initialCenters = null)
    {
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (points.Length % dimension != 0) throw new ArgumentException($"{points.Length} floats are not rows of {dimension}", nameof(points));
        int n = points.Length / dimension, k = options.K;
        int firstBad = Array.FindIndex(points, v => !float.IsFinite(v));
        if (firstBad >= 0) throw new ArgumentException($"point {firstBad / dimension} holds {points[firstBad]} (NaN or infinite values cannot be clustered)", nameof(points));
        if (k > n) throw new ArgumentException($"k = {k} clusters need at least {k} points, got {n}", nameof(options));

        var random = new Random(options.Seed);
        float[] sample = points;
        long cap = (long)k * options.MaxPointsPerCentroid;
        if (n > cap)
        {
            int[] chosen = SampleWithoutReplacement(n, (int)cap, random);
            Array.Sort(chosen);
            sample = Rows(points, chosen, dimension);
            n = chosen.Length;
        }
        if (n < MinPointsPerCentroid * k)
            log?.WriteLine($"  k-means warning: {n} points for k = {k} is under {MinPointsPerCentroid} per centroid; centers will be noisy");
        if (initialCenters is not null && initialCenters.Length != k * dimension)
            throw new ArgumentException($"{initialCenters.Length} floats are not {k} centers of {dimension}", nameof(initialCenters));
        float[] centers = initialCenters is not null ? (float[])initialCenters.Clone() : Rows(sample, SampleWithoutReplacement(n, k, random), dimension);
        if (options.Metric == KMeansMetric.Spherical) Normalize(centers, dimension);
        var history = new List<KMeansIteration>();
        for (int iteration = 0; iteration < options.Iterations; iteration++)
        {
            var clock = Stopwatch.StartNew();
            int[] assignment;
            float[] distances;
            var sums = new float[k * dimension];
            if (options.Balanced)
            {
                (assignment, distances) = BalancedAssign(sample, centers, dimension);
                AddRows(sample, assignment, sums, dimension);
            }
            else
            {
                (assignment, distances) = Nearest(sample, centers, dimension, DefaultChunkRows, sums);
            }
            double objective = distances.Sum(d => (double)d);
            int relocated = FillEmpty(assignment, distances, k, sample, sums, dimension);
            var counts = new int[k];
            foreach (int a in assignment) counts[a]++;
            float[] updated = Means(sums, counts, dimension, centers);
            if (options.Metric == KMeansMetric.Spherical) Normalize(updated, dimension);
            double shift = 0;
            for (int i = 0; i < updated.Length; i++) shift += (double)(updated[i] - centers[i]) * (updated[i] - centers[i]);
            centers = updated;
            history.Add(new KMeansIteration(iteration, objective, Imbalance(counts, n), relocated, shift, clock.Elapsed.TotalSeconds));
            log?.WriteLine($"  k-means k={k} iter {iteration}: objective {objective:F4}, imbalance {history[^1].ImbalanceFactor:F3}, relocated {relocated}, shift {shift:E2}");
            if (shift < options.Tolerance) break;
        }
        return new KMeansResult(centers, k, dimension, options.Metric, history);
    }

    /// <summary>
    /// Nearest center of every point by squared euclidean distance, ||x||^2 - 2 x.c + ||c||^2. The center norms are
    /// computed once; each chunk of <paramref name="chunkRows"/> points costs one GEMM fused with the norm add
    /// (addmm) and one row-wise min, so memory stays bounded by chunkRows x K floats whatever N is.
    /// </summary>
    public static (int[] Assignment, float[] Distances) Nearest(float[] points, float[] centers, int dimension, int chunkRows = DefaultChunkRows) =>
        Nearest(points, centers, dimension, chunkRows, sums: null);

    /// <param name="sums">When given (K x dimension), receives the sum of the points assigned to each center,
    /// accumulated chunk by chunk while the chunk is in memory: the Lloyd update needs no second pass.</param>
    static (int[] Assignment, float[] Distances) Nearest(float[] points, float[] centers, int dimension, int chunkRows, float[]? sums)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        int n = points.Length / dimension, k = centers.Length / dimension;
        var assignment = new int[n];
        var distances = new float[n];
        using var scope = NewDisposeScope();
        var c = tensor(centers, [k, dimension]);
        var cT = c.t().contiguous();              // [dimension, k]
        var cNorm = c.pow(2).sum(1).unsqueeze(0); // [1, k]
        var sumsTensor = sums is null ? null : zeros(k, dimension);
        for (int start = 0; start < n; start += chunkRows)
        {
            using var chunkScope = NewDisposeScope();
            int rows = Math.Min(chunkRows, n - start);
            var x = empty(rows, dimension);                // native memory: no managed copy of the chunk
            x.bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(points.AsSpan(start * dimension, rows * dimension));
            var partial = cNorm.addmm(x, cT, beta: 1, alpha: -2);  // [rows, k]: ||c||^2 - 2 x.c
            var (min, argmin) = partial.min(1);
            var xNorm = x.pow(2).sum(1);                          // [rows]
            var best = (min + xNorm).clamp_min(0);
            best.data<float>().CopyTo(distances, start);
            var args = argmin.data<long>();
            for (int i = 0; i < rows; i++) assignment[start + i] = (int)args[i];
            sumsTensor?.index_add_(0, argmin, x, 1);
        }
        sumsTensor?.data<float>().CopyTo(sums!, 0);
        return (assignment, distances);
    }

    /// <summary>
    /// Each cluster takes at most ceil(N/K) points: all (point, center) pairs in increasing distance, a pair taken
    /// when its point is free and its center has room.
    /// </summary>
    static (int[] Assignment, float[] Distances) BalancedAssign(float[] points, float[] centers, int dimension)
    {
        int n = points.Length / dimension, k = centers.Length / dimension, capacity = (n + k - 1) / k;
        var all = new float[(long)n * k];
        using (var scope = NewDisposeScope())
        {
            var x = tensor(points, [n, dimension]);
            var c = tensor(centers, [k, dimension]);
            var d = (x.pow(2).sum(1, keepdim: true) - 2 * x.mm(c.t()) + c.pow(2).sum(1).unsqueeze(0)).clamp_min(0);
            d.data<float>().CopyTo(all, 0);
        }
        long[] order = new long[all.LongLength];
        for (long i = 0; i < order.LongLength; i++) order[i] = i;
        Array.Sort((float[])all.Clone(), order);
        var assignment = Enumerable.Repeat(-1, n).ToArray();
        var distances = new float[n];
        var load = new int[k];
        int placed = 0;
        foreach (long pairIndex in order)
        {
            int point = (int)(pairIndex / k), center = (int)(pairIndex % k);
            if (assignment[point] >= 0 || load[center] >= capacity) continue;
            assignment[point] = center;
            distances[point] = all[pairIndex];
            load[center]++;
            if (++placed == n) break;
        }
        return (assignment, distances);
    }

    /// <summary>
    /// Gives each empty cluster the point farthest from its center, taken from a cluster with two or more points,
    /// and moves that point's coordinates between the clusters' sums.
    /// </summary>
    static int FillEmpty(int[] assignment, float[] distances, int k, float[] points, float[] sums, int dimension)
    {
        var counts = new int[k];
        foreach (int a in assignment) counts[a]++;
        if (Array.IndexOf(counts, 0) < 0) return 0;
        int relocated = 0;
        int[] byDistance = Enumerable.Range(0, assignment.Length).OrderByDescending(i => distances[i]).ThenBy(i => i).ToArray();
        int next = 0;
        for (int cluster = 0; cluster < k; cluster++)
        {
            if (counts[cluster] > 0) continue;
            while (counts[assignment[byDistance[next]]] < 2) next++;
            int point = byDistance[next++];
            var x = points.AsSpan(point * dimension, dimension);
            var from = sums.AsSpan(assignment[point] * dimension, dimension);
            System.Numerics.Tensors.TensorPrimitives.Subtract(from, x, from);
            x.CopyTo(sums.AsSpan(cluster * dimension, dimension));
            counts[assignment[point]]--;
            assignment[point] = cluster;
            distances[point] = 0;
            counts[cluster] = 1;
            relocated++;
        }
        return relocated;
    }

    static void AddRows(float[] points, int[] assignment, float[] sums, int dimension)
    {
        for (int i = 0; i < assignment.Length; i++)
        {
            var row = sums.AsSpan(assignment[i] * dimension, dimension);
            System.Numerics.Tensors.TensorPrimitives.Add(row, points.AsSpan(i * dimension, dimension), row);
        }
    }

    /// <summary>Each center the mean of its points; a center without points stays where it was.</summary>
    static float[] Means(float[] sums, int[] counts, int dimension, float[] previous)
    {
        var centers = new float[sums.Length];
        for (int c = 0; c < counts.Length; c++)
        {
            var target = centers.AsSpan(c * dimension, dimension);
            if (counts[c] > 0) System.Numerics.Tensors.TensorPrimitives.Divide(sums.AsSpan(c * dimension, dimension), counts[c], target);
            else previous.AsSpan(c * dimension, dimension).CopyTo(target);
        }
        return centers;
    }

    /// <summary>Scales every row to unit length.</summary>
    public static void Normalize(float[] rows, int dimension)
    {
        for (int start = 0; start < rows.Length; start += dimension)
        {
            var row = rows.AsSpan(start, dimension);
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
        }
    }

    /// <summary>faiss's imbalance factor: k * sum(count^2) / N^2; 1 when all clusters are equal.</summary>
    public static double Imbalance(int[] counts, int n) => counts.Length * counts.Sum(c => (double)c * c) / ((double)n * n);

    static int[] SampleWithoutReplacement(int n, int count, Random random)
    {
        var indices = Enumerable.Range(0, n).ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, n);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        return indices[..count];
    }

    static float[] Rows(float[] points, int[] rows, int dimension)
    {
        var result = new float[rows.Length * dimension];
        for (int i = 0; i < rows.Length; i++) points.AsSpan(rows[i] * dimension, dimension).CopyTo(result.AsSpan(i * dimension));
        return result;
    }
}
