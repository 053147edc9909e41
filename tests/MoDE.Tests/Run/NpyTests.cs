using MoDE.Run;

namespace MoDE.Tests.Run;

public class NpyTests
{
    [Fact]
    public void MatricesAndVectorsRoundTripWithAnAlignedHeader()
    {
        string folder = Directory.CreateTempSubdirectory("mode-npy").FullName;
        float[] m = [1.5f, -2, 3, 4, 5, 6];
        Npy.Write(Path.Combine(folder, "m.npy"), m, 2, 3);
        var (data, rows, columns) = Npy.ReadMatrix(Path.Combine(folder, "m.npy"));
        Assert.Equal(m, data);
        Assert.Equal((2, 3), (rows, columns));
        byte[] bytes = File.ReadAllBytes(Path.Combine(folder, "m.npy"));
        Assert.Equal(0, (10 + BitConverter.ToUInt16(bytes, 8)) % 64); // NumPy aligns the data to 64 bytes
        Npy.Write(Path.Combine(folder, "v.npy"), [7, -1, 0]);
        Assert.Equal([7, -1, 0], Npy.ReadVector(Path.Combine(folder, "v.npy")));
        Assert.Throws<InvalidDataException>(() => Npy.ReadVector(Path.Combine(folder, "m.npy")));
        File.WriteAllBytes(Path.Combine(folder, "cut.npy"), bytes[..^4]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => Npy.ReadMatrix(Path.Combine(folder, "cut.npy"))).Message);
        Assert.Empty(Directory.GetFiles(folder, "*.tmp"));
    }
}
