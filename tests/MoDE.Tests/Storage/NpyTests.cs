using MoDE.Storage;

namespace MoDE.Tests.Storage;

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

    [Fact]
    public void Float16MatricesRoundTripAndConcatenateButNeverMixWithFloat32()
    {
        string folder = Directory.CreateTempSubdirectory("mode-npy-f2").FullName;
        string a = Path.Combine(folder, "a.npy"), b = Path.Combine(folder, "b.npy"), c = Path.Combine(folder, "c.npy");
        Npy.WriteHalf(a, [0.1f, -0.25f, 1f, 65504f], 2, 2);
        Npy.WriteHalf(b, [3.14159f, 0f], 1, 2);
        Assert.Equal(Npy.ReadHeader(a).DataOffset + 4 * 2, new FileInfo(a).Length); // 2 bytes a value
        var (values, rows, columns) = Npy.ReadMatrix(a);
        Assert.Equal((2, 2), (rows, columns));
        Assert.Equal([(float)(Half)0.1f, -0.25f, 1f, 65504f], values);
        Npy.ConcatenateRows(c, [a, b], 2);
        Assert.Equal("<f2", Npy.ReadHeader(c).Descr);
        Assert.Equal([(float)(Half)0.1f, -0.25f, 1f, 65504f, (float)(Half)3.14159f, 0f], Npy.ReadMatrix(c).Data);
        Npy.Write(b, [1f, 2f], 1, 2);
        Assert.Contains("earlier parts <f2", Assert.Throws<InvalidDataException>(() => Npy.ConcatenateRows(c, [a, b], 2)).Message);
    }
}
