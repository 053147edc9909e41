using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using System.Runtime.Intrinsics;

namespace MoDE.Cluster;

/// <summary>
/// The nearest center of each point by squared euclidean distance, in one pass that never writes the points x
/// centers matrix: a register-blocked tile of 12 points by 32 centers accumulates x.c - ||c||^2 / 2 in 24 AVX-512
/// registers over all dimensions (on AVX2 + FMA CPUs, as four 6 x 16 quarters of 12 registers each), and the
/// row-wise best is taken while the tile is still in L1. The points of a block are packed dimension-major (one
/// broadcast per point and dimension), the centers in panels of 32 (two vector loads per dimension); a group of 256
/// centers stays in L2 while every tile of the block passes over it. This is what scikit-learn's Lloyd step does with
/// small BLAS calls, without the BLAS: libtorch's float32 GEMM on the project's AMD CPU runs AVX2 code at about half
/// the AVX-512 rate, and writes and rereads the score matrix (docs/benchmarks.md).
/// </summary>
public static unsafe class NearestCenterKernel
{
    /// <summary>Whether this CPU runs the kernel (AVX-512, or AVX2 with FMA); where it does not, <see cref="KMeans"/>
    /// uses the libtorch GEMM.</summary>
    public static bool IsSupported => VectorBits > 0;

    /// <summary>The vector width the kernel uses by default on this CPU: 512, 256, or 0 where it cannot run.</summary>
    public static int VectorBits { get; } = Avx512F.IsSupported ? 512 : Avx2.IsSupported && Fma.IsSupported ? 256 : 0;

    const int TileRows = 12;          // points per tile: 12 x 2 accumulators + 2 center vectors + 1 broadcast of 32 registers
    const int PanelColumns = 32;      // centers per panel: two 16-float vectors
    const int GroupPanels = 8;        // 256 centers (384 KB at d = 384) stay in L2 while a block's tiles pass
    const int BlockTiles = 20;        // 240 points per block, the unit of parallel work

    /// <summary>Centers packed for the kernel: panels of 32, dimension-major, with -||c||^2 / 2 per center.</summary>
    public sealed class PackedCenters
    {
        internal readonly float[] Panels;  // [panel][dimension][32]
        internal readonly float[] Bias;    // [panel * 32], -||c||^2 / 2; padding centers -float.MaxValue
        public int Count { get; }
        public int Dimension { get; }
        internal int PanelCount => Bias.Length / PanelColumns;

        public PackedCenters(ReadOnlySpan<float> centers, int dimension)
        {
            if (dimension < 1 || centers.Length % dimension != 0 || centers.Length == 0)
                throw new ArgumentException($"{centers.Length} floats are not centers of {dimension}", nameof(centers));
            Count = centers.Length / dimension;
            Dimension = dimension;
            int panels = (Count + PanelColumns - 1) / PanelColumns;
            Panels = new float[(long)panels * dimension * PanelColumns];
            Bias = new float[panels * PanelColumns];
            Array.Fill(Bias, -float.MaxValue);
            for (int c = 0; c < Count; c++)
            {
                var row = centers.Slice(c * dimension, dimension);
                int panel = c / PanelColumns, lane = c % PanelColumns;
                double norm = 0;
                for (int j = 0; j < dimension; j++)
                {
                    Panels[((long)panel * dimension + j) * PanelColumns + lane] = row[j];
                    norm += (double)row[j] * row[j];
                }
                Bias[c] = (float)(-0.5 * norm);
            }
        }
    }

    /// <summary>
    /// Nearest center and squared distance of each of the rows of <paramref name="points"/> (rows x dimension),
    /// on up to <paramref name="threads"/> threads. With <paramref name="sums"/> (K x dimension), adds each point
    /// to its center's sum. Ties go to the lower center index. <paramref name="vectorBits"/> 256 runs the AVX2 code
    /// on an AVX-512 CPU too (0: <see cref="VectorBits"/>).
    /// </summary>
    public static void Nearest(ReadOnlySpan<float> points, PackedCenters centers, Span<int> assignment, Span<float> distances,
                               int threads, float[]? sums = null, int vectorBits = 0)
    {
        if (vectorBits == 0) vectorBits = VectorBits;
        bool wide = vectorBits == 512;
        if (wide ? !Avx512F.IsSupported : vectorBits != 256 || !(Avx2.IsSupported && Fma.IsSupported))
            throw new PlatformNotSupportedException($"the nearest-center kernel cannot run {vectorBits}-bit code on this CPU (it needs AVX-512, or AVX2 with FMA)");
        int d = centers.Dimension, rows = points.Length / d;
        if (points.Length != rows * d) throw new ArgumentException($"{points.Length} floats are not rows of {d}", nameof(points));
        if (assignment.Length < rows || distances.Length < rows) throw new ArgumentException("assignment and distances need one entry per row");
        if (rows == 0) return;
        const int blockRows = TileRows * BlockTiles;
        int blocks = (rows + blockRows - 1) / blockRows;
        fixed (float* p = points)
        fixed (int* a = assignment)
        fixed (float* dist = distances)
        {
            nint pointsAt = (nint)p, assignmentAt = (nint)a, distancesAt = (nint)dist;
            var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
            Parallel.For(0, blocks, options, () => new Workspace(d), (block, _, work) =>
            {
                int start = block * blockRows, count = Math.Min(blockRows, rows - start);
                Block((float*)pointsAt + (long)start * d, count, centers, work, (int*)assignmentAt + start, (float*)distancesAt + start, wide);
                return work;
            }, _ => { });
            if (sums is null) return;
            // Each thread adds the points of its own range of centers, in row order: the sums come out bit-identical
            // whatever the thread count and scheduling (the seed alone decides the result).
            int parts = Math.Max(1, Math.Min(threads, centers.Count));
            Parallel.For(0, parts, options, part =>
            {
                int first = (int)((long)centers.Count * part / parts), end = (int)((long)centers.Count * (part + 1) / parts);
                var into = sums.AsSpan();
                for (int i = 0; i < rows; i++)
                {
                    int c = ((int*)assignmentAt)[i];
                    if (c < first || c >= end) continue;
                    var sum = into.Slice(c * d, d);
                    System.Numerics.Tensors.TensorPrimitives.Add(sum, new ReadOnlySpan<float>((float*)pointsAt + (long)i * d, d), sum);
                }
            });
        }
    }

    sealed class Workspace(int dimension)
    {
        public readonly float[] PackedPoints = new float[BlockTiles * dimension * TileRows]; // [tile][dimension][12]
        public readonly float[] Scores = new float[TileRows * GroupPanels * PanelColumns];  // [12][256]
        public readonly float[] Best = new float[TileRows * BlockTiles];
        public readonly int[] BestIndex = new int[TileRows * BlockTiles];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Block(float* points, int count, PackedCenters centers, Workspace work, int* assignment, float* distances, bool wide)
    {
        int d = centers.Dimension, tiles = (count + TileRows - 1) / TileRows;
        const int groupWidth = GroupPanels * PanelColumns;
        fixed (float* packed = work.PackedPoints)
        fixed (float* scores = work.Scores)
        fixed (float* panels = centers.Panels)
        fixed (float* bias = centers.Bias)
        {
            // Pack: tile t, dimension j, row r at [(t * d + j) * 12 + r]; rows past the end are zero.
            for (int t = 0; t < tiles; t++)
            {
                float* tile = packed + (long)t * d * TileRows;
                for (int r = 0; r < TileRows; r++)
                {
                    int row = t * TileRows + r;
                    if (row < count)
                    {
                        float* source = points + (long)row * d;
                        for (int j = 0; j < d; j++) tile[j * TileRows + r] = source[j];
                    }
                    else for (int j = 0; j < d; j++) tile[j * TileRows + r] = 0;
                }
            }
            Array.Fill(work.Best, float.NegativeInfinity);
            Array.Clear(work.BestIndex);
            int panelCount = centers.PanelCount;
            for (int firstPanel = 0; firstPanel < panelCount; firstPanel += GroupPanels)
            {
                int groupPanels = Math.Min(GroupPanels, panelCount - firstPanel);
                for (int t = 0; t < tiles; t++)
                {
                    float* tile = packed + (long)t * d * TileRows;
                    for (int q = 0; q < groupPanels; q++)
                    {
                        int panel = firstPanel + q;
                        float* b = panels + (long)panel * d * PanelColumns, z = bias + panel * PanelColumns, into = scores + q * PanelColumns;
                        if (wide) Tile(tile, b, z, d, into, groupWidth);
                        else
                            for (int r = 0; r < TileRows; r += 6)
                                for (int c = 0; c < PanelColumns; c += 16)
                                    Quarter(tile + r, b + c, z + c, d, into + r * groupWidth + c, groupWidth);
                    }
                    int rowsHere = Math.Min(TileRows, count - t * TileRows), width = groupPanels * PanelColumns;
                    for (int r = 0; r < rowsHere; r++)
                    {
                        int slot = t * TileRows + r;
                        var (best, at) = Largest(scores + r * groupWidth, width);
                        if (best > work.Best[slot]) { work.Best[slot] = best; work.BestIndex[slot] = firstPanel * PanelColumns + at; }
                    }
                }
            }
            for (int i = 0; i < count; i++)
            {
                float* row = points + (long)i * d;
                float norm = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(new ReadOnlySpan<float>(row, d));
                assignment[i] = work.BestIndex[i];
                distances[i] = MathF.Max(0, norm - 2 * work.Best[i]);
            }
        }
    }

    /// <summary>scores[r][0..32) = bias + sum over j of a[j][r] * b[j][0..32), for the 12 rows of a packed tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Tile(float* a, float* b, float* bias, int d, float* scores, int stride)
    {
        var z0 = Vector512.Load(bias);
        var z1 = Vector512.Load(bias + 16);
        Vector512<float> c00 = z0, c01 = z1, c10 = z0, c11 = z1, c20 = z0, c21 = z1, c30 = z0, c31 = z1,
            c40 = z0, c41 = z1, c50 = z0, c51 = z1, c60 = z0, c61 = z1, c70 = z0, c71 = z1,
            c80 = z0, c81 = z1, c90 = z0, c91 = z1, ca0 = z0, ca1 = z1, cb0 = z0, cb1 = z1;
        for (int j = 0; j < d; j++, a += TileRows, b += PanelColumns)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Avx512F.FusedMultiplyAdd(x, b0, c80); c81 = Avx512F.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Avx512F.FusedMultiplyAdd(x, b0, c90); c91 = Avx512F.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]); ca0 = Avx512F.FusedMultiplyAdd(x, b0, ca0); ca1 = Avx512F.FusedMultiplyAdd(x, b1, ca1);
            x = Vector512.Create(a[11]); cb0 = Avx512F.FusedMultiplyAdd(x, b0, cb0); cb1 = Avx512F.FusedMultiplyAdd(x, b1, cb1);
        }
        c00.Store(scores); c01.Store(scores + 16); scores += stride;
        c10.Store(scores); c11.Store(scores + 16); scores += stride;
        c20.Store(scores); c21.Store(scores + 16); scores += stride;
        c30.Store(scores); c31.Store(scores + 16); scores += stride;
        c40.Store(scores); c41.Store(scores + 16); scores += stride;
        c50.Store(scores); c51.Store(scores + 16); scores += stride;
        c60.Store(scores); c61.Store(scores + 16); scores += stride;
        c70.Store(scores); c71.Store(scores + 16); scores += stride;
        c80.Store(scores); c81.Store(scores + 16); scores += stride;
        c90.Store(scores); c91.Store(scores + 16); scores += stride;
        ca0.Store(scores); ca1.Store(scores + 16); scores += stride;
        cb0.Store(scores); cb1.Store(scores + 16);
    }

    /// <summary>
    /// The largest of <paramref name="count"/> (a multiple of 8) scores and its index, the first on ties. 8-float
    /// vectors serve both widths: this runs once per point and 256 centers, next to 256 x d multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static (float Value, int Index) Largest(float* scores, int count)
    {
        var best = Vector256.Load(scores);
        var bestIndex = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var index = bestIndex;
        var step = Vector256.Create(8);
        for (int c = 8; c < count; c += 8)
        {
            index += step;
            var value = Vector256.Load(scores + c);
            var greater = Vector256.GreaterThan(value, best).AsInt32();
            best = Vector256.Max(best, value);
            bestIndex = Vector256.ConditionalSelect(greater, index, bestIndex);
        }
        float top = best.ToScalar();
        for (int lane = 1; lane < 8; lane++) top = MathF.Max(top, best.GetElement(lane));
        int first = int.MaxValue;
        for (int lane = 0; lane < 8; lane++)
            if (best.GetElement(lane) == top) first = Math.Min(first, bestIndex.GetElement(lane));
        return (top, first);
    }

    /// <summary>
    /// AVX2 + FMA: scores[r][0..16) = bias + sum over j of a[j][r] * b[j][0..16) for 6 rows of a packed 12-row tile and
    /// 16 columns of a 32-column panel (12 accumulators, 2 center vectors and a broadcast fill 15 of the 16 registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Quarter(float* a, float* b, float* bias, int d, float* scores, int stride)
    {
        var z0 = Vector256.Load(bias);
        var z1 = Vector256.Load(bias + 8);
        Vector256<float> c00 = z0, c01 = z1, c10 = z0, c11 = z1, c20 = z0, c21 = z1, c30 = z0, c31 = z1, c40 = z0, c41 = z1, c50 = z0, c51 = z1;
        for (int j = 0; j < d; j++, a += TileRows, b += PanelColumns)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(x, b0, c40); c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(x, b0, c50); c51 = Fma.MultiplyAdd(x, b1, c51);
        }
        c00.Store(scores); c01.Store(scores + 8); scores += stride;
        c10.Store(scores); c11.Store(scores + 8); scores += stride;
        c20.Store(scores); c21.Store(scores + 8); scores += stride;
        c30.Store(scores); c31.Store(scores + 8); scores += stride;
        c40.Store(scores); c41.Store(scores + 8); scores += stride;
        c50.Store(scores); c51.Store(scores + 8);
    }
}
