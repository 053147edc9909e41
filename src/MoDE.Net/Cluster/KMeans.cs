using System.Diagnostics;
using System.Runtime.InteropServices;
using MoDE.Storage;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Cluster;

/// <summary>
/// Statistics of one Lloyd iteration: the objective of its assignment step, faiss's imbalance factor of that
/// assignment, how many empty clusters were split off large ones, how far the centers moved, and its time.
/// </summary>
public sealed record KMeansIteration(int Iteration, double Objective, double ImbalanceFactor, int Splits, double CenterShift, double Seconds);

/// <summary>A fitted k-means: K centers of <see cref="Dimension"/> floats, row after row.</summary>
public sealed record KMeansResult(float[] Centers, int K, int Dimension, KMeansMetric Metric, IReadOnlyList<KMeansIteration> Iterations)
{
    /// <summary>Sum over points of the squared euclidean distance to the nearest center.</summary>
    public double Objective(float[] points, NearestCenterMethod method = NearestCenterMethod.Auto) =>
        KMeans.Nearest(points, Centers, Dimension, method: method).Distances.Sum(d => (double)d);
}

/// <summary>
/// Lloyd's k-means with distances from one matrix product (points x centers) per chunk of points, so memory is
/// bounded whatever N is and the points may stream from a memory-mapped file (<see cref="MatrixRows"/>).
/// An empty cluster is split off a large one chosen with the seed (as faiss): the large cluster's center is copied
/// with a tiny symmetric perturbation, and the next assignment divides its points between the two.
/// </summary>
public static class KMeans
{
    /// <summary>Below this many points per centroid the fit is warned about (faiss: min_points_per_centroid = 39).</summary>
    public const int MinPointsPerCentroid = 39;

    /// <summary>Points per GEMM in <see cref="Nearest(MatrixRows, float[], int)"/>: 16,384 x K floats (64 MB at K = 1024) bounds the memory.</summary>
    public const int DefaultChunkRows = 16_384;

    /// <summary>
    /// Nearest centers per point the balanced auction may choose among. 16 of K leaves room to move points out of
    /// crowded regions while keeping the auction's memory at N x 16 (index, cost) pairs; a point left without a place
    /// among its candidates takes its nearest center with room, computed exactly.
    /// </summary>
    public const int BalancedCandidates = 16;

    /// <summary>k-means++ runs on a seeded subsample of at most this many points per centroid.</summary>
    public const int PlusPlusPointsPerCentroid = 16;

    /// <summary>faiss's relative perturbation of a split center (CLUSTERING_EPS = 1/1024).</summary>
    const float SplitPerturbation = 1f / 1024;

    /// <param name="initialCenters">K x dimension starting centers; null chooses them by <see cref="KMeansOptions.Init"/>.</param>
    /// <param name="stop">Ends the fit with <see cref="OperationCanceledException"/> at its next iteration or chunk of points.</param>
    public static KMeansResult Fit(float[] points, int dimension, KMeansOptions options, TextWriter? log = null, float[]? initialCenters = null,
        CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (points.Length % dimension != 0) throw new ArgumentException($"{points.Length} floats are not rows of {dimension}", nameof(points));
        using var rows = MatrixRows.InMemory(points, dimension);
        return Fit(rows, options, log, initialCenters, stop);
    }

    /// <summary>
    /// Fits on at most K x <see cref="KMeansOptions.MaxPointsPerCentroid"/> rows sampled with the seed; only those rows
    /// are read into memory.
    /// </summary>
    public static KMeansResult Fit(MatrixRows points, KMeansOptions options, TextWriter? log = null, float[]? initialCenters = null,
        CancellationToken stop = default)
    {
        options.Validate();
        int n = points.Rows, k = options.K, dimension = points.Columns;
        if (k > n) throw new ArgumentException($"k = {k} clusters need at least {k} points, got {n}", nameof(options));
        if (initialCenters is not null && initialCenters.Length != k * dimension)
            throw new ArgumentException($"{initialCenters.Length} floats are not {k} centers of {dimension}", nameof(initialCenters));

        var random = new Random(options.Seed);
        long cap = (long)k * options.MaxPointsPerCentroid;
        int[]? chosen = null;
        if (n > cap)
        {
            chosen = SampleWithoutReplacement(n, (int)cap, random);
            Array.Sort(chosen);
            n = chosen.Length;
        }
        float[] sample = chosen is null ? WholeMatrix(points) : points.Gather(chosen);
        int firstBad = Array.FindIndex(sample, v => !float.IsFinite(v));
        if (firstBad >= 0)
        {
            int row = chosen is null ? firstBad / dimension : chosen[firstBad / dimension];
            throw new ArgumentException($"point {row} holds {sample[firstBad]} (NaN or infinite values cannot be clustered)", nameof(points));
        }
        if (n < MinPointsPerCentroid * k)
            log?.WriteLine($"  k-means warning: {n} points for k = {k} is under {MinPointsPerCentroid} per centroid; centers will be noisy");

        using var sampleRows = MatrixRows.InMemory(sample, dimension);
        float[] centers = initialCenters is not null ? (float[])initialCenters.Clone()
            : options.Init == KMeansInit.KMeansPlusPlus ? PlusPlus(sample, dimension, k, random)
            : sampleRows.Gather(SampleWithoutReplacement(n, k, random));
        if (options.Metric == KMeansMetric.Spherical) Normalize(centers, dimension);
        var history = new List<KMeansIteration>();
        for (int iteration = 0; iteration < options.Iterations; iteration++)
        {
            stop.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            int[] assignment;
            float[] distances;
            var sums = new float[k * dimension];
            if (options.Balanced)
            {
                (assignment, distances) = BalancedAssign(sampleRows, centers);
                AddRows(sample, assignment, sums, dimension);
            }
            else
            {
                (assignment, distances) = Nearest(sampleRows, centers, DefaultChunkRows, options.NearestCenter, sums, stop);
            }
            double objective = distances.Sum(d => (double)d);
            var counts = new int[k];
            foreach (int a in assignment) counts[a]++;
            double imbalance = Imbalance(counts, n);
            float[] updated = Means(sums, counts, dimension, centers);
            int splits = SplitEmpty(updated, counts, dimension, random);
            if (options.Metric == KMeansMetric.Spherical) Normalize(updated, dimension);
            double shift = 0;
            for (int i = 0; i < updated.Length; i++) shift += (double)(updated[i] - centers[i]) * (updated[i] - centers[i]);
            centers = updated;
            history.Add(new KMeansIteration(iteration, objective, imbalance, splits, shift, clock.Elapsed.TotalSeconds));
            log?.WriteLine($"  k-means k={k} iter {iteration}: objective {objective:F4}, imbalance {imbalance:F3}, splits {splits}, shift {shift:E2}");
            if (shift < options.Tolerance) break;
        }
        return new KMeansResult(centers, k, dimension, options.Metric, history);
    }

    /// <summary>
    /// Nearest center of every point by squared euclidean distance, ||x||^2 - 2 x.c + ||c||^2, chunk by chunk of
    /// <paramref name="chunkRows"/> points. Where the CPU has AVX-512 or AVX2, <see cref="NearestCenterKernel"/> does
    /// each chunk without writing any points x centers matrix; elsewhere each chunk costs one libtorch GEMM fused with the
    /// norm add (addmm) and one row-wise min, so memory stays bounded by chunkRows x K floats whatever N is.
    /// <paramref name="method"/> picks one of the two explicitly (benchmarks and tests compare them this way).
    /// </summary>
    public static (int[] Assignment, float[] Distances) Nearest(float[] points, float[] centers, int dimension, int chunkRows = DefaultChunkRows,
        NearestCenterMethod method = NearestCenterMethod.Auto)
    {
        using var rows = MatrixRows.InMemory(points, dimension);
        return Nearest(rows, centers, chunkRows, method, sums: null);
    }

    /// <summary>Nearest center of every row, the rows read chunk by chunk (a memory-mapped file is never read whole);
    /// <paramref name="stop"/> is honoured between chunks.</summary>
    public static (int[] Assignment, float[] Distances) Nearest(MatrixRows points, float[] centers, int chunkRows = DefaultChunkRows,
        NearestCenterMethod method = NearestCenterMethod.Auto, CancellationToken stop = default) =>
        Nearest(points, centers, chunkRows, method, sums: null, stop);

    /// <summary>Whether <paramref name="method"/> runs on <see cref="NearestCenterKernel"/>; Kernel on a CPU without it is an error.</summary>
    static bool UsesKernel(NearestCenterMethod method) => method switch
    {
        NearestCenterMethod.Auto => NearestCenterKernel.IsSupported,
        NearestCenterMethod.Gemm => false,
        NearestCenterMethod.Kernel => NearestCenterKernel.IsSupported ? true
            : throw new PlatformNotSupportedException("the nearest-center kernel needs AVX-512, or AVX2 with FMA; this CPU has neither (use Auto or Gemm)"),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not a nearest-center method"),
    };

    /// <param name="sums">When given (K x dimension), receives the sum of the points assigned to each center,
    /// accumulated chunk by chunk while the chunk is in memory: the Lloyd update needs no second pass.</param>
    static (int[] Assignment, float[] Distances) Nearest(MatrixRows points, float[] centers, int chunkRows, NearestCenterMethod method, float[]? sums,
        CancellationToken stop = default)
    {
        int n = points.Rows, k = centers.Length / points.Columns;
        var assignment = new int[n];
        var distances = new float[n];
        if (UsesKernel(method))
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
            var packed = new NearestCenterKernel.PackedCenters(centers, points.Columns);
            var buffer = points.Array is not null ? [] : new float[(long)Math.Min(chunkRows, n) * points.Columns]; // in memory: read in place
            for (int start = 0; start < n; start += chunkRows)
            {
                stop.ThrowIfCancellationRequested();
                int rows = Math.Min(chunkRows, n - start);
                NearestCenterKernel.Nearest(points.Read(start, rows, buffer), packed, assignment.AsSpan(start, rows), distances.AsSpan(start, rows), get_num_threads(), sums);
                ThrowOnNonFinite(distances.AsSpan(start, rows), start);
            }
            return (assignment, distances);
        }
        using var scope = NewDisposeScope();
        var sumsTensor = sums is null ? null : zeros(k, points.Columns);
        Scan(points, centers, chunkRows, (start, x, partial) =>
        {
            var (min, argmin) = partial.min(1);
            (min + x.pow(2).sum(1)).clamp_min(0).data<float>().CopyTo(distances, start);
            ThrowOnNonFinite(distances.AsSpan(start, (int)x.shape[0]), start);
            var args = argmin.to_type(ScalarType.Int32);
            args.data<int>().CopyTo(assignment, start);
            sumsTensor?.index_add_(0, argmin, x, 1);
        }, stop);
        sumsTensor?.data<float>().CopyTo(sums!, 0);
        return (assignment, distances);
    }

    /// <summary>
    /// Calls <paramref name="visit"/> for each chunk of rows with the chunk x [rows, d] and ||c||^2 - 2 x.c [rows, K]
    /// from one GEMM. The two chunk-sized tensors are allocated once and reused: fresh 64 MB outputs per chunk cost
    /// page faults that measured about a fifth of the GEMM's time.
    /// </summary>
    static void Scan(MatrixRows points, float[] centers, int chunkRows, Action<int, Tensor, Tensor> visit, CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        int n = points.Rows, dimension = points.Columns, k = centers.Length / dimension;
        if (centers.Length != k * dimension || k < 1) throw new ArgumentException($"{centers.Length} floats are not centers of {dimension}", nameof(centers));
        using var scope = NewDisposeScope();
        var c = tensor(centers, [k, dimension]);
        var cT = c.t().contiguous();              // [dimension, k]
        var cNorm = c.pow(2).sum(1).unsqueeze(0); // [1, k]
        int most = Math.Min(chunkRows, n);
        var chunk = empty(most, dimension);
        var scores = empty(most, k);
        var buffer = new float[(long)most * dimension];
        for (int start = 0; start < n; start += chunkRows)
        {
            stop.ThrowIfCancellationRequested();
            using var chunkScope = NewDisposeScope();
            int rows = Math.Min(chunkRows, n - start);
            var values = points.Read(start, rows, buffer);
            var x = rows == most ? chunk : empty(rows, dimension);
            // The setter only copies from the span; it asks for a writable one.
            x.bytes = MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(values), values.Length));
            var partial = rows == most ? scores : scores.narrow(0, 0, rows);
            partial.copy_(cNorm.expand(rows, k));
            partial.addmm_(x, cT, beta: 1, alpha: -2);
            visit(start, x, partial);
        }
    }

    /// <summary>All rows as one array: the matrix's own array when it is held as one, else a copy.</summary>
    static float[] WholeMatrix(MatrixRows points)
    {
        if (points.Array is float[] array) return array;
        var whole = new float[points.Rows * points.Columns];
        points.Read(0, points.Rows, whole).CopyTo(whole);
        return whole;
    }

    /// <summary>An error naming the first point whose distance came out NaN or infinite: its vector holds such values.</summary>
    static void ThrowOnNonFinite(ReadOnlySpan<float> distances, int firstRow, int perRow = 1)
    {
        for (int i = 0; i < distances.Length; i++)
            if (!float.IsFinite(distances[i]))
                throw new ArgumentException($"point {firstRow + i / perRow} holds NaN or infinite values, which cannot be clustered", "points");
    }

    /// <summary>
    /// The <paramref name="count"/> nearest centers of every row, nearest first: center indices and squared distances,
    /// row after row (N x count each), from the same chunked GEMM as <see cref="Nearest(MatrixRows, float[], int)"/>.
    /// </summary>
    public static (int[] Centers, float[] Distances) NearestCandidates(MatrixRows points, float[] centers, int count, int chunkRows = DefaultChunkRows)
    {
        int n = points.Rows;
        var indices = new int[(long)n * count];
        var distances = new float[(long)n * count];
        Scan(points, centers, chunkRows, (start, x, partial) =>
        {
            var (values, args) = partial.topk(count, dim: 1, largest: false, sorted: true);
            (values + x.pow(2).sum(1, keepdim: true)).clamp_min(0).data<float>().CopyTo(distances, start * count);
            ThrowOnNonFinite(distances.AsSpan(start * count, (int)x.shape[0] * count), start, count);
            args.to_type(ScalarType.Int32).data<int>().CopyTo(indices, start * count);
        });
        return (indices, distances);
    }

    /// <summary>
    /// Balanced assignment: each cluster takes at most ceil(N/K) points, so the largest cluster holds at most
    /// ceil(N/K) and the imbalance factor stays near 1. A forward auction (Bertsekas) for the capacity-constrained
    /// assignment over each point's <see cref="BalancedCandidates"/> nearest centers: a free point bids for the
    /// candidate of best value (minus distance minus price) and raises its price by the margin over its second best
    /// plus eps; a full center takes the bid by dropping its lowest bidder, and its price is its lowest held bid.
    /// eps is 1/1000 of the mean nearest distance, so the total distance is within N x eps of the best balanced one
    /// over the candidates. Points still free after 64 bids a point on average take their nearest center with room,
    /// computed exactly over all centers. Deterministic: points bid in index order.
    /// </summary>
    public static (int[] Assignment, float[] Distances) BalancedAssign(MatrixRows points, float[] centers)
    {
        int n = points.Rows, dimension = points.Columns, k = centers.Length / dimension, capacity = (n + k - 1) / k;
        int t = Math.Min(k, BalancedCandidates);
        var (candidates, cost) = NearestCandidates(points, centers, t);
        double eps = Math.Max(1e-3 * Enumerable.Range(0, n).Average(i => (double)cost[(long)i * t]), 1e-9);
        var price = new double[k];
        var held = new PriorityQueue<int, (double Bid, int Point)>[k];
        for (int c = 0; c < k; c++) held[c] = new PriorityQueue<int, (double, int)>();
        var assignment = Enumerable.Repeat(-1, n).ToArray();
        var slot = new int[n]; // which candidate of the point it holds
        var free = new Queue<int>(Enumerable.Range(0, n));
        long budget = 64L * n;
        while (free.Count > 0 && budget-- > 0)
        {
            int point = free.Dequeue();
            long row = (long)point * t;
            int best = -1;
            double first = double.NegativeInfinity, second = double.NegativeInfinity;
            for (int j = 0; j < t; j++)
            {
                double value = -cost[row + j] - price[candidates[row + j]];
                if (value > first) { second = first; first = value; best = j; }
                else if (value > second) second = value;
            }
            int center = candidates[row + best];
            double bid = price[center] + (t > 1 ? first - second : 0) + eps;
            if (held[center].Count >= capacity)
            {
                int dropped = held[center].Dequeue();
                assignment[dropped] = -1;
                free.Enqueue(dropped);
            }
            held[center].Enqueue(point, (bid, point));
            assignment[point] = center;
            slot[point] = best;
            if (held[center].Count >= capacity) price[center] = held[center].TryPeek(out _, out var lowest) ? lowest.Bid : 0;
        }
        var distances = new float[n];
        var load = held.Select(h => h.Count).ToArray();
        for (int point = 0; point < n; point++)
            if (assignment[point] >= 0) distances[point] = cost[(long)point * t + slot[point]];
        if (free.Count > 0) PlaceLeftovers(points, centers, assignment, distances, load, capacity);
        return (assignment, distances);
    }

    /// <summary>Each point still without a cluster takes its nearest center that has room, in point order.</summary>
    static void PlaceLeftovers(MatrixRows points, float[] centers, int[] assignment, float[] distances, int[] load, int capacity)
    {
        int dimension = points.Columns, k = load.Length;
        var buffer = new float[dimension];
        for (int point = 0; point < assignment.Length; point++)
        {
            if (assignment[point] >= 0) continue;
            var x = points.Read(point, 1, buffer);
            int best = -1;
            float bestDistance = float.PositiveInfinity;
            for (int c = 0; c < k; c++)
            {
                if (load[c] >= capacity) continue;
                float d = System.Numerics.Tensors.TensorPrimitives.Distance(x, centers.AsSpan(c * dimension, dimension));
                if (d * d < bestDistance) (best, bestDistance) = (c, d * d);
            }
            assignment[point] = best;
            distances[point] = bestDistance;
            load[best]++;
        }
    }

    /// <summary>
    /// faiss's split of empty clusters: each empty cluster takes a cluster chosen with probability proportional to
    /// (its size - 1), both centers become that center scaled by 1 +/- 1/1024 in alternating coordinates, and the size
    /// is divided between them. Returns the number of splits.
    /// </summary>
    static int SplitEmpty(float[] centers, int[] counts, int dimension, Random random)
    {
        int k = counts.Length, n = counts.Sum(), splits = 0;
        if (n <= k) return 0;
        for (int empty = 0; empty < k; empty++)
        {
            if (counts[empty] > 0) continue;
            int donor = 0;
            for (;; donor = (donor + 1) % k) // walk the clusters until one is accepted with probability (size - 1) / (N - K)
                if (counts[donor] > 1 && random.NextDouble() < (counts[donor] - 1.0) / (n - k)) break;
            var from = centers.AsSpan(donor * dimension, dimension);
            var to = centers.AsSpan(empty * dimension, dimension);
            from.CopyTo(to);
            for (int j = 0; j < dimension; j++)
            {
                float sign = j % 2 == 0 ? 1 : -1;
                to[j] *= 1 + sign * SplitPerturbation;
                from[j] *= 1 - sign * SplitPerturbation;
            }
            counts[empty] = counts[donor] / 2;
            counts[donor] -= counts[empty];
            splits++;
        }
        return splits;
    }

    /// <summary>k-means++ seeding over a seeded subsample of the points (<see cref="PlusPlusPointsPerCentroid"/> per centroid).</summary>
    static float[] PlusPlus(float[] sample, int dimension, int k, Random random)
    {
        int n = sample.Length / dimension;
        float[] pool = n > PlusPlusPointsPerCentroid * k
            ? MatrixRows.InMemory(sample, dimension).Gather(SampleWithoutReplacement(n, PlusPlusPointsPerCentroid * k, random))
            : sample;
        int m = pool.Length / dimension;
        var centers = new float[k * dimension];
        var nearest = new double[m];
        Array.Fill(nearest, double.PositiveInfinity);
        int chosen = random.Next(m);
        for (int c = 0; c < k; c++)
        {
            var center = pool.AsSpan(chosen * dimension, dimension);
            center.CopyTo(centers.AsSpan(c * dimension));
            double total = 0;
            for (int i = 0; i < m; i++)
            {
                float d = System.Numerics.Tensors.TensorPrimitives.Distance(pool.AsSpan(i * dimension, dimension), center);
                nearest[i] = Math.Min(nearest[i], (double)d * d);
                total += nearest[i];
            }
            if (c == k - 1) break;
            double target = random.NextDouble() * total;
            chosen = -1;
            for (int i = 0; i < m && chosen < 0; i++)
                if ((target -= nearest[i]) < 0 && nearest[i] > 0) chosen = i;
            if (chosen < 0) chosen = Array.FindLastIndex(nearest, d => d > 0); // rounding at the end of the sum
            if (chosen < 0) chosen = random.Next(m);                           // all points coincide with centers
        }
        return centers;
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
}
