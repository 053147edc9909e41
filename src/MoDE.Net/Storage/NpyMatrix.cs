using System.IO.MemoryMappedFiles;
using System.Numerics.Tensors;

namespace MoDE.Storage;

/// <summary>
/// A 2-d float32 (<c>&lt;f4</c>) or float16 (<c>&lt;f2</c>) .npy file, memory-mapped read-only: float32 rows are
/// read in place with no copy, float16 rows converted block by block. The operating system pages the file in and
/// out, so the file may be larger than memory.
/// </summary>
public sealed unsafe class NpyMatrix : MatrixRows
{
    readonly MemoryMappedFile _file;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _data;
    readonly int _elementSize;

    NpyMatrix(string path)
    {
        var (descr, shape, offset) = Npy.ReadHeader(path);
        if (shape.Length != 2) throw new InvalidDataException($"{path}: expected a 2-d array, found shape ({string.Join(", ", shape)})");
        _elementSize = descr switch
        {
            "<f4" => 4,
            "<f2" => 2,
            _ => throw new InvalidDataException($"{path}: expected float32 (<f4) or float16 (<f2) values, found {descr}"),
        };
        (Rows, Columns) = (shape[0], shape[1]); // the header's size is checked against the file's
        Path = path;
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* start = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        _data = start + _view.PointerOffset + offset;
    }

    /// <summary>Opens <paramref name="path"/>; the header is checked against the file size (<see cref="Npy.ReadHeader"/>).</summary>
    public static NpyMatrix Open(string path) => new(path);

    public string Path { get; }
    public override int Rows { get; }
    public override int Columns { get; }

    /// <summary>True when the file stores float16 and reads convert.</summary>
    public bool IsHalf => _elementSize == 2;

    public override ReadOnlySpan<float> Read(int start, int count, Span<float> buffer)
    {
        if (start < 0 || count < 0 || start + count > Rows) throw new ArgumentOutOfRangeException(nameof(start), $"rows {start}..{start + count} outside 0..{Rows}");
        int values = checked(count * Columns);
        byte* first = _data + (long)start * Columns * _elementSize;
        if (_elementSize == 4) return new ReadOnlySpan<float>(first, values);
        TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(first, values), buffer[..values]);
        return buffer[..values];
    }

    public override void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        base.Dispose();
    }
}
