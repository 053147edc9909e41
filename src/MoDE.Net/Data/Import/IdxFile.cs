using System.Buffers.Binary;
using System.IO.Compression;

namespace MoDE.Data.Import;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST, gzipped or plain: a big-endian magic whose third byte is the
/// element type (0x08 = unsigned byte) and fourth the number of dimensions, one big-endian int32 per dimension,
/// then the elements. Images are 0x00000803 (count, rows, columns), labels 0x00000801 (count).
/// </summary>
public static class IdxFile
{
    /// <summary>Images as one array, image after image, row-major, with their count and size.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        var (data, dims) = Read(path, expectedDims: 3);
        return (data, dims[0], dims[1], dims[2]);
    }

    public static byte[] ReadLabels(string path) => Read(path, expectedDims: 1).Data;

    static (byte[] Data, int[] Dims) Read(string path, int expectedDims)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> magic = stackalloc byte[4];
        try { stream.ReadExactly(magic); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: too short for an IDX header"); }
        if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] != expectedDims)
            throw new InvalidDataException($"{path}: IDX magic {Convert.ToHexString(magic)}, expected 000008{expectedDims:X2} (unsigned bytes, {expectedDims} dimension(s))");
        var dims = new int[expectedDims];
        Span<byte> four = stackalloc byte[4];
        long total = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            stream.ReadExactly(four);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(four);
            if (dims[i] < 1) throw new InvalidDataException($"{path}: dimension {i} is {dims[i]}");
            total *= dims[i];
        }
        if (total > Array.MaxLength) throw new InvalidDataException($"{path}: {total} elements do not fit in one array");
        var data = new byte[total];
        try { stream.ReadExactly(data); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: truncated, the header announces {total} elements ({string.Join(" x ", dims)})"); }
        return (data, dims);
    }
}
