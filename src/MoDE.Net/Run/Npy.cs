using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace MoDE.Run;

/// <summary>
/// NumPy <c>.npy</c> files (format 1.0, C order, little-endian) for float32 matrices and int32 vectors,
/// so every array a run writes opens in Python with <c>numpy.load</c> and no custom code.
/// </summary>
public static partial class Npy
{
    static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static void Write(string path, float[] data, int rows, int columns)
    {
        if ((long)rows * columns != data.LongLength)
            throw new ArgumentException($"{rows}x{columns} does not match {data.LongLength} values", nameof(data));
        Write(path, "<f4", $"({rows}, {columns})", MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    }

    public static void Write(string path, int[] data) =>
        Write(path, "<i4", $"({data.Length},)", MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    static void Write(string path, string descr, string shape, byte[] payload) => AtomicFile.Write(path, stream =>
    {
        WriteHeader(stream, descr, shape);
        stream.Write(payload);
    });

    /// <summary>
    /// Float32 matrices with the same column count stacked row-wise into one file, streamed part by part
    /// (memory holds one copy buffer, not the matrix), written atomically.
    /// </summary>
    public static void ConcatenateRows(string path, IReadOnlyList<string> parts, int columns)
    {
        var offsets = new long[parts.Count];
        long rows = 0;
        Span<byte> start = stackalloc byte[10];
        for (int i = 0; i < parts.Count; i++)
        {
            using var part = File.OpenRead(parts[i]);
            part.ReadExactly(start);
            if (!start[..6].SequenceEqual(Magic) || start[6] != 1) throw new InvalidDataException($"{parts[i]}: not a version 1.0 .npy file");
            offsets[i] = 10 + BitConverter.ToUInt16(start[8..]);
            long payload = part.Length - offsets[i];
            if (payload % (4L * columns) != 0) throw new InvalidDataException($"{parts[i]}: {payload} bytes is not whole rows of {columns} float32");
            rows += payload / (4L * columns);
        }
        AtomicFile.Write(path, stream =>
        {
            WriteHeader(stream, "<f4", $"({rows}, {columns})");
            for (int i = 0; i < parts.Count; i++)
            {
                using var part = File.OpenRead(parts[i]);
                part.Seek(offsets[i], SeekOrigin.Begin);
                part.CopyTo(stream, 1 << 20);
            }
        });
    }

    static void WriteHeader(Stream stream, string descr, string shape)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        string header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        stream.Write(Magic);
        stream.Write([1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)header.Length));
        stream.Write(Encoding.ASCII.GetBytes(header));
    }

    public static (float[] Data, int Rows, int Columns) ReadMatrix(string path)
    {
        var (descr, shape, payload) = Read(path);
        if (descr != "<f4" || shape.Length != 2)
            throw new InvalidDataException($"{path}: expected a 2-d float32 array, found {descr} with shape ({string.Join(", ", shape)})");
        return (MemoryMarshal.Cast<byte, float>(payload).ToArray(), shape[0], shape[1]);
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
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic) || bytes[6] != 1)
            throw new InvalidDataException($"{path}: not a version 1.0 .npy file");
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        if (10 + headerLength > bytes.Length) throw new InvalidDataException($"{path}: truncated .npy header");
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        var descr = DescrPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !shape.Success || header.Contains("'fortran_order': True"))
            throw new InvalidDataException($"{path}: unsupported .npy header {header.Trim()}");
        int[] dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(int.Parse).ToArray();
        long expected = dims.Aggregate(4L, (a, d) => a * d);
        var payload = bytes.AsSpan(10 + headerLength);
        if (payload.Length != expected)
            throw new InvalidDataException($"{path}: header promises {expected} bytes, file holds {payload.Length} (truncated?)");
        return (descr.Groups[1].Value, dims, payload.ToArray());
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")] private static partial Regex DescrPattern();
    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")] private static partial Regex ShapePattern();
}
