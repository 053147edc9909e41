using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Tests.Storage;

public class NpyMatrixTests
{
    [Fact]
    public void MemoryMappedRowsEqualTheFileAndStreamTheSameAssignment()
    {
        string folder = Directory.CreateTempSubdirectory("mode-npymatrix").FullName;
        var points = MoDE.Tests.Cluster.KMeansTests.Blobs(5000, 16, 9, seed: 60);
        var centers = MoDE.Tests.Cluster.KMeansTests.Blobs(30, 16, 30, seed: 61);
        string f4 = Path.Combine(folder, "f4.npy"), f2 = Path.Combine(folder, "f2.npy");
        Npy.Write(f4, points, 5000, 16);
        Npy.WriteHalf(f2, points, 5000, 16);

        using (var mapped = NpyMatrix.Open(f4))
        {
            Assert.Equal((5000, 16, false), (mapped.Rows, mapped.Columns, mapped.IsHalf));
            Assert.Equal(points.AsSpan(17 * 16, 3 * 16).ToArray(), mapped.Read(17, 3, []).ToArray());
            var streamed = KMeans.Nearest(mapped, centers, chunkRows: 333);
            var whole = KMeans.Nearest(points, centers, 16, chunkRows: 5000);
            Assert.Equal(whole.Assignment, streamed.Assignment);
            Assert.Equal(whole.Distances, streamed.Distances);
        }
        using (var half = NpyMatrix.Open(f2))
        {
            Assert.True(half.IsHalf);
            var buffer = new float[2 * 16];
            var rows = half.Read(4998, 2, buffer).ToArray();
            Assert.Equal(points.AsSpan(4998 * 16).ToArray().Select(v => (float)(Half)v), rows);
        }
        File.WriteAllBytes(Path.Combine(folder, "cut.npy"), File.ReadAllBytes(f4)[..^8]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => NpyMatrix.Open(Path.Combine(folder, "cut.npy"))).Message);
    }
}
