using MoDE.Cluster;

namespace MoDE.Tests.Cluster;

public class NearestCenterKernelTests
{
    /// <summary>
    /// Shapes that exercise every edge of the tiling: rows not a multiple of the 12-row tile or the 240-row block,
    /// centers not a multiple of the 32-center panel or the 256-center group, odd dimensions.
    /// </summary>
    [Theory]
    [InlineData(1, 1, 3, 512)]
    [InlineData(13, 31, 7, 512)]
    [InlineData(241, 33, 16, 512)]
    [InlineData(500, 257, 40, 512)]
    [InlineData(1000, 600, 384, 512)]
    [InlineData(1, 1, 3, 256)]
    [InlineData(13, 31, 7, 256)]
    [InlineData(500, 257, 40, 256)]
    [InlineData(1000, 600, 384, 256)]
    public void FindsTheNearestCenterAndItsSquaredDistance(int rows, int k, int dimension, int vectorBits)
    {
        if (vectorBits > NearestCenterKernel.VectorBits) return; // not on this CPU: KMeans uses narrower code or the GEMM path
        var points = KMeansTests.Blobs(rows, dimension, 5, seed: rows);
        var centers = KMeansTests.Blobs(k, dimension, Math.Max(1, k / 2), seed: k + 1000);
        var assignment = new int[rows];
        var distances = new float[rows];
        NearestCenterKernel.Nearest(points, new NearestCenterKernel.PackedCenters(centers, dimension), assignment, distances, threads: 2, vectorBits: vectorBits);
        for (int i = 0; i < rows; i++)
        {
            var exact = Enumerable.Range(0, k).Select(c => SquaredDistance(points, i, centers, c, dimension)).ToArray();
            double nearest = exact.Min();
            // The chosen center is the nearest up to float rounding, and the distance is its distance.
            Assert.InRange(exact[assignment[i]], nearest, nearest + 1e-5);
            Assert.Equal(exact[assignment[i]], distances[i], 1e-4);
        }
    }

    [Fact]
    public void AddsEveryPointToItsCentersSumIdenticallyWhateverTheThreadCount()
    {
        if (!NearestCenterKernel.IsSupported) return;
        const int rows = 2000, k = 70, dimension = 24;
        var points = KMeansTests.Blobs(rows, dimension, 9, seed: 5);
        var packed = new NearestCenterKernel.PackedCenters(KMeansTests.Blobs(k, dimension, k, seed: 6), dimension);
        float[] Sums(int threads, out int[] assignment)
        {
            assignment = new int[rows];
            var sums = new float[k * dimension];
            NearestCenterKernel.Nearest(points, packed, assignment, new float[rows], threads, sums);
            return sums;
        }
        var one = Sums(1, out var assignmentOne);
        var two = Sums(2, out var assignmentTwo);
        Assert.Equal(assignmentOne, assignmentTwo);
        Assert.Equal(one, two); // bit for bit: the seed alone decides a k-means result, not the scheduling
        var expected = new double[k * dimension];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < dimension; j++) expected[assignmentOne[i] * dimension + j] += points[i * dimension + j];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], one[i], 1e-3);
            Assert.Equal(expected[i], two[i], 1e-3);
        }
    }

    [Fact]
    public void TheAvx2CodeGivesBitIdenticalResults()
    {
        if (NearestCenterKernel.VectorBits < 512) return; // needs both widths on one CPU
        const int rows = 700, k = 300, dimension = 48;
        var points = KMeansTests.Blobs(rows, dimension, 7, seed: 11);
        var packed = new NearestCenterKernel.PackedCenters(KMeansTests.Blobs(k, dimension, 50, seed: 12), dimension);
        (int[], float[]) Run(int bits)
        {
            var assignment = new int[rows];
            var distances = new float[rows];
            NearestCenterKernel.Nearest(points, packed, assignment, distances, threads: 2, vectorBits: bits);
            return (assignment, distances);
        }
        var (wideAssignment, wideDistances) = Run(512);
        var (narrowAssignment, narrowDistances) = Run(256);
        // Each score is the same chain of fused multiply-adds over the dimensions in the same order, lane by lane.
        Assert.Equal(wideAssignment, narrowAssignment);
        Assert.Equal(wideDistances, narrowDistances);
    }

    [Fact]
    public void AgreesWithTheGemmPathThatOtherCpusTake()
    {
        var points = KMeansTests.Blobs(4000, 32, 20, seed: 8);
        var centers = KMeansTests.Blobs(64, 32, 64, seed: 9);
        var byDefault = KMeans.Nearest(points, centers, 32);
        var gemm = KMeans.Nearest(points, centers, 32, chunkRows: 1000, method: NearestCenterMethod.Gemm);
        Assert.True(byDefault.Assignment.Zip(gemm.Assignment).Count(p => p.First != p.Second) <= 2, "the two paths may differ only on float near-ties");
        for (int i = 0; i < points.Length / 32; i++)
        {
            var exact = Enumerable.Range(0, 64).Select(c => SquaredDistance(points, i, centers, c, 32)).ToArray();
            Assert.InRange(exact[gemm.Assignment[i]], exact.Min(), exact.Min() + 1e-5);
            Assert.Equal(byDefault.Distances[i], gemm.Distances[i], 1e-4);
        }
    }

    [Fact]
    public void AutoIsTheKernelWhereTheCpuRunsItAndKernelFailsWhereItCannot()
    {
        var points = KMeansTests.Blobs(1000, 16, 10, seed: 13);
        var centers = KMeansTests.Blobs(40, 16, 40, seed: 14);
        var auto = KMeans.Nearest(points, centers, 16);
        if (!NearestCenterKernel.IsSupported)
        {
            Assert.Throws<PlatformNotSupportedException>(() => KMeans.Nearest(points, centers, 16, method: NearestCenterMethod.Kernel));
            Assert.Equal(auto, KMeans.Nearest(points, centers, 16, method: NearestCenterMethod.Gemm), Same);
            return;
        }
        Assert.Equal(auto, KMeans.Nearest(points, centers, 16, method: NearestCenterMethod.Kernel), Same);
    }

    [Fact]
    public async Task EachMethodRunsOnTheThreadThatAsksForIt()
    {
        // The method is an argument: a GEMM fit on one thread leaves another thread's default call on the kernel.
        if (!NearestCenterKernel.IsSupported) return;
        var points = KMeansTests.Blobs(3000, 16, 8, seed: 15);
        var centers = KMeansTests.Blobs(32, 16, 32, seed: 16);
        var kernel = KMeans.Nearest(points, centers, 16, method: NearestCenterMethod.Kernel);
        var options = new KMeansOptions { K = 8, Iterations = 3, Tolerance = 0, NearestCenter = NearestCenterMethod.Gemm };
        var gemmRun = Task.Run(() => KMeans.Fit(points, 16, options));
        var defaultRun = Task.Run(() => KMeans.Nearest(points, centers, 16));
        var (gemmFit, byDefault) = (await gemmRun, await defaultRun);
        Assert.Equal(kernel, byDefault, Same);
        var kernelFit = KMeans.Fit(points, 16, options with { NearestCenter = NearestCenterMethod.Kernel });
        Assert.Equal(kernelFit.Objective(points), gemmFit.Objective(points, NearestCenterMethod.Gemm), 1e-2);
    }

    static bool Same((int[] Assignment, float[] Distances) a, (int[] Assignment, float[] Distances) b) =>
        a.Assignment.SequenceEqual(b.Assignment) && a.Distances.SequenceEqual(b.Distances);

    static double SquaredDistance(float[] points, int i, float[] centers, int c, int dimension)
    {
        double sum = 0;
        for (int j = 0; j < dimension; j++)
        {
            double difference = (double)points[i * dimension + j] - centers[c * dimension + j];
            sum += difference * difference;
        }
        return sum;
    }
}
