using System.Text;
using MoDE.Storage;
using Xunit;

namespace MoDE.Tests.Storage;

/// <summary>.npy files whose header lies about the data: every reader (<see cref="Npy.ReadMatrix"/>,
/// <see cref="Npy.ReadVector"/>, <see cref="NpyMatrix.Open"/>, <see cref="Npy.ConcatenateRows"/>) refuses them in one
/// line naming the file, from the header and the file's size alone, before allocating for the claimed shape.</summary>
public sealed class NpyHeaderTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("mode-npy-header").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A version 1.0 .npy file with the given header fields and <paramref name="dataBytes"/> bytes of data.</summary>
    string Write(string descr, string shape, int dataBytes)
    {
        string path = Path.Combine(_folder, $"{Guid.NewGuid():N}.npy");
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({shape}), }}";
        header += new string(' ', (64 - (10 + header.Length + 1) % 64) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        file.Write(new byte[dataBytes]);
        return path;
    }

    [Fact]
    public void AnHonestHeaderReads()
    {
        var (data, rows, columns) = Npy.ReadMatrix(Write("<f4", "3, 4", 48));
        Assert.Equal((12, 3, 4), (data.Length, rows, columns));
        Assert.Equal(6, Npy.ReadVector(Write("<i4", "6,", 24)).Length);
        var (empty, none, wide) = Npy.ReadMatrix(Write("<f4", "0, 2147483647", 0)); // no rows: no data, however wide
        Assert.Equal((0, 0, int.MaxValue), (empty.Length, none, wide));
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("<f4", "5, 4", 48, "promises 80 bytes")]                           // more rows than the data holds
    [InlineData("<f4", "2, 4", 48, "promises 32 bytes")]                           // fewer: trailing bytes
    [InlineData("<f2", "3, 4", 48, "promises 24 bytes")]                           // the element size counts
    [InlineData("<f4", "100000, 100000", 48, "promises more than")]                // 40 GB claimed
    [InlineData("<f4", "2147483647, 2147483647, 2147483647", 48, "promises more than")] // a product past 2^64
    [InlineData("<f4", "0, 4", 48, "promises 0 bytes")]
    [InlineData("<f4", "-3, 4", 48, "not a count")]
    [InlineData("<f4", "3, x", 48, "not a count")]
    [InlineData("<f4", "99999999999, 1", 48, "not a count")]
    [InlineData("<f8", "3, 4", 96, "holds <f8 values")]
    [InlineData("|i1", "3, 4", 12, "holds |i1 values")]  // int8: uint8 (|u1) images are read, signed bytes are not
    public void AHeaderThatLiesIsRefusedBeforeAllocating(string descr, string shape, int dataBytes, string reason)
    {
        string path = Write(descr, shape, dataBytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var read in new Action[] { () => Npy.ReadMatrix(path), () => Npy.ReadVector(path), () => NpyMatrix.Open(path).Dispose(),
                     () => Npy.ConcatenateRows(Path.Combine(_folder, "all.npy"), [path], 4) })
        {
            var e = Assert.Throws<InvalidDataException>(read);
            Assert.StartsWith(path + ": ", e.Message);
            Assert.Contains(reason, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.False(File.Exists(Path.Combine(_folder, "all.npy")));
    }
}
