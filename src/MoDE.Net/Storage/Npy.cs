using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using System.Text;

namespace MoDE.Storage;

/// <summary>
/// NumPy <c>.npy</c> files (format 1.0, C order, little-endian) for float32 or float16 matrices and int32 vectors,
/// so every array a run writes opens in Python with <c>numpy.load</c> and no custom code.
/// </summary>
public static partial class Npy
{
    static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static void Write(string path, float[] data, int rows, int columns)
    {
        if ((long)rows * columns != data.LongLength)
            throw new ArgumentException($"{rows}x{columns} does not match {data.LongLength} values", nameof(data));
        Write(path, "<f4", $"({rows}, {columns})", data);
    }

    /// <summary>A float32 matrix stored as float16 (<c>&lt;f2</c>): half the bytes, about 3 significant digits.</summary>
    public static void WriteHalf(string path, float[] data, int rows, int columns)
    {
        if ((long)rows * columns != data.LongLength)
            throw new ArgumentException($"{rows}x{columns} does not match {data.LongLength} values", nameof(data));
        var halves = new Half[data.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(data, halves);
        Write(path, "<f2", $"({rows}, {columns})", halves);
    }

    public static void Write(string path, int[] data) => Write(path, "<i4", $"({data.Length},)", data);

    static void Write<T>(string path, string descr, string shape, T[] data) where T : unmanaged => AtomicFile.Write(path, stream =>
    {
        WriteHeader(stream, descr, shape);
        stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
    }, bytes: Magic.Length + 4 + Header(descr, shape, 0).Length + (long)data.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());

    /// <summary>Bytes per element of the types this class reads and writes.</summary>
    static int ElementSize(string descr, string path) => descr switch
    {
        "<i8" => 8,
        "<f4" or "<i4" => 4,
        "<f2" => 2,
        "|u1" => 1,
        _ => throw new InvalidDataException($"{path}: holds {descr} values; MoDE reads int64 (<i8), float32 (<f4), float16 (<f2), int32 (<i4) and uint8 (|u1)"),
    };

    /// <summary>
    /// Float matrices of one type (all float32 or all float16) with the same column count stacked row-wise into one
    /// file, streamed part by part (memory holds one copy buffer, not the matrix), written atomically.
    /// </summary>
    public static void ConcatenateRows(string path, IReadOnlyList<string> parts, int columns)
    {
        var offsets = new long[parts.Count];
        long rows = 0;
        string? descr = null;
        for (int i = 0; i < parts.Count; i++)
        {
            var header = ReadHeader(parts[i]);
            if (header.Shape.Length != 2 || header.Shape[1] != columns)
                throw new InvalidDataException($"{parts[i]}: shape ({string.Join(", ", header.Shape)}) is not rows of {columns} columns");
            if (header.Descr is not ("<f4" or "<f2")) throw new InvalidDataException($"{parts[i]}: expected float32 (<f4) or float16 (<f2) values, found {header.Descr}");
            if (descr is not null && header.Descr != descr) throw new InvalidDataException($"{parts[i]}: holds {header.Descr}, earlier parts {descr}");
            descr = header.Descr;
            offsets[i] = header.DataOffset;
            rows += header.Shape[0];
        }
        string shape = $"({rows}, {columns})";
        long bytes = Magic.Length + 4 + Header(descr ?? "<f4", shape, 0).Length + parts.Select((p, i) => new FileInfo(p).Length - offsets[i]).Sum();
        AtomicFile.Write(path, stream =>
        {
            WriteHeader(stream, descr ?? "<f4", shape);
            for (int i = 0; i < parts.Count; i++)
            {
                using var part = File.OpenRead(parts[i]);
                part.Seek(offsets[i], SeekOrigin.Begin);
                part.CopyTo(stream, 1 << 20);
            }
        }, bytes: bytes);
    }

    /// <summary>A format 1.0 header for a C-order array of <paramref name="descr"/> values of <paramref name="shape"/>
    /// (Python tuple syntax), padded with spaces to a multiple of 64 bytes, or to exactly <paramref name="length"/> bytes
    /// when given (a writer that learns the shape last rewrites its header in place).</summary>
    public static void WriteHeader(Stream stream, string descr, string shape, int length = 0)
    {
        string header = Header(descr, shape, length);
        stream.Write(Magic);
        stream.Write([1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
    }

    /// <summary>The header's text, padded so the data starts at a multiple of 64 bytes (at <paramref name="length"/> when given).</summary>
    static string Header(string descr, string shape, int length)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = length > 0 ? length - unpadded : (64 - unpadded % 64) % 64;
        if (padding < 0 || (length > 0 && length % 64 != 0)) throw new ArgumentOutOfRangeException(nameof(length), length, $"a header of {unpadded} bytes does not pad to {length}, a multiple of 64");
        return dict + new string(' ', padding) + "\n";
    }

    /// <summary>A 2-d float32 or float16 array as float32 values.</summary>
    public static (float[] Data, int Rows, int Columns) ReadMatrix(string path)
    {
        var (descr, shape, payload) = Read(path);
        if ((descr != "<f4" && descr != "<f2") || shape.Length != 2)
            throw new InvalidDataException($"{path}: expected a 2-d float32 or float16 array, found {descr} with shape ({string.Join(", ", shape)})");
        if (descr == "<f4") return (MemoryMarshal.Cast<byte, float>(payload).ToArray(), shape[0], shape[1]);
        var values = new float[payload.Length / 2];
        System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(payload), values);
        return (values, shape[0], shape[1]);
    }

    public static int[] ReadVector(string path)
    {
        var (descr, shape, payload) = Read(path);
        if (descr != "<i4" || shape.Length != 1)
            throw new InvalidDataException($"{path}: expected a 1-d int32 array, found {descr} with shape ({string.Join(", ", shape)})");
        return MemoryMarshal.Cast<byte, int>(payload).ToArray();
    }

    static (string Descr, int[] Shape, byte[] Payload) Read(string path)
    {
        var header = ReadHeader(path);
        using var file = File.OpenRead(path);
        file.Seek(header.DataOffset, SeekOrigin.Begin);
        var payload = new byte[file.Length - header.DataOffset]; // the header's size, checked against the file's
        file.ReadExactly(payload);
        return (header.Descr, header.Shape, payload);
    }

    /// <summary>The element type, shape and data offset from a .npy header; the data itself is not read. Throws
    /// <see cref="InvalidDataException"/> naming the file unless the header is well formed, of a type MoDE reads, and
    /// its shape times the element size is exactly the data the file holds: a header's claims are checked before
    /// anything is allocated for them.</summary>
    public static (string Descr, int[] Shape, long DataOffset) ReadHeader(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[10];
        if (file.Length < 10 || file.Read(start) != 10 || !start[..6].SequenceEqual(Magic) || start[6] != 1)
            throw new InvalidDataException($"{path}: not a version 1.0 .npy file");
        int headerLength = BitConverter.ToUInt16(start[8..]);
        if (10 + headerLength > file.Length) throw new InvalidDataException($"{path}: truncated .npy header");
        var headerBytes = new byte[headerLength];
        file.ReadExactly(headerBytes);
        string header = Encoding.ASCII.GetString(headerBytes);
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success || header.Contains("'fortran_order': True"))
            throw new InvalidDataException($"{path}: unsupported .npy header {header.Trim()}");
        var dims = new List<int>();
        foreach (string dim in shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            dims.Add(int.TryParse(dim, System.Globalization.NumberStyles.None, null, out int d)
                ? d : throw new InvalidDataException($"{path}: .npy shape ({shape.Groups[1].Value}) has a dimension that is not a count from 0 to {int.MaxValue}"));
        long offset = 10 + headerLength, data = file.Length - offset;
        // In 128 bits the product cannot overflow before it passes the file's size: it is compared with the data after
        // every factor, and each factor is below 2^31. A zero dimension makes it 0 whatever the others claim.
        int elementSize = ElementSize(descr.Groups[1].Value, path);
        Int128 expected = dims.Contains(0) ? 0 : elementSize;
        int factors = 0;
        while (factors < dims.Count && expected <= data) expected *= dims[factors++];
        if (expected != data || factors < dims.Count)
            throw new InvalidDataException($"{path}: .npy header promises {(factors < dims.Count ? "more than " : "")}{expected} bytes of ({string.Join(", ", dims)}) {descr.Groups[1].Value} values, the file holds {data} (truncated or damaged?)");
        return (descr.Groups[1].Value, [.. dims], offset);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")] private static partial Regex DescrPattern();
    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")] private static partial Regex ShapePattern();
}
