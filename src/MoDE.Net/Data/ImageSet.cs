using System.Buffers;
using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using MoDE.Storage;

namespace MoDE.Data;

/// <summary>
/// A block of equally sized RGB images, 8-bit pixels in height x width x channel order, read by index. On disk a set is a
/// folder of shards that NumPy reads as they are (<c>numpy.load("images/00000.npy", mmap_mode="r")</c>): <c>NNNNN.npy</c>,
/// uint8 <c>[n, H, W, 3]</c> in C order, numbered from 00000, written by <see cref="ImageSetWriter"/>. <see cref="Open"/> maps
/// every shard read-only (System.IO.MemoryMappedFiles), so a set is bounded by the disk, not by memory or by the 2^31
/// bytes of one .NET array: the pages an index touches are read when touched, and the kernel may drop them again. A set
/// built in memory (tests, generated task images) is the same type over one array. Dispose unmaps the shards: a span
/// from <see cref="Image"/> must not outlive the set.
/// </summary>
public sealed class ImageSet : IImageRows
{
    public const int Channels = 3;

    /// <summary>The .npy element type of a shard: unsigned bytes.</summary>
    public const string NpyType = "|u1";

    readonly Memory<byte>[] _shards;
    readonly long[] _starts; // index of each shard's first image
    readonly IDisposable[] _maps;

    public ImageSet(int count, int height, int width, byte[] pixels)
        : this(count, height, width, [pixels.AsMemory()], [0], [])
    {
        if (pixels.LongLength != (long)count * height * width * Channels)
            throw new ArgumentException(
                $"expected {(long)count * height * width * Channels} bytes for {count} images of {height}x{width}x{Channels}, got {pixels.LongLength}",
                nameof(pixels));
    }

    ImageSet(int count, int height, int width, Memory<byte>[] shards, long[] starts, IDisposable[] maps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Count = count;
        Height = height;
        Width = width;
        _shards = shards;
        _starts = starts;
        _maps = maps;
    }

    public int Count { get; }
    public int Height { get; }
    public int Width { get; }
    public int ImageBytes => Height * Width * Channels;

    /// <summary>The pixels of image <paramref name="index"/>, height x width x RGB.</summary>
    public ReadOnlySpan<byte> Image(long index)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"image index outside 0..{Count - 1}");
        int shard = ShardOf(index);
        return _shards[shard].Span.Slice(checked((int)((index - _starts[shard]) * ImageBytes)), ImageBytes);
    }

    /// <summary>
    /// The images at <paramref name="indices"/>, one after another, into <paramref name="destination"/>. From a shard on
    /// disk each image is one positioned read (pread), not a copy out of the map: a fault in a mapped file maps the
    /// neighbouring cached pages too (the kernel's fault-around, 64 KB), so random 3 KB images read through the map
    /// pile up as resident pages of this process, gigabytes over a long training on a large corpus; read, they stay
    /// in the page cache, shared and dropped when memory is wanted, and the process keeps only its batch.
    /// </summary>
    public void CopyImages(ReadOnlySpan<int> indices, Span<byte> destination)
    {
        int size = ImageBytes;
        if (destination.Length < (long)indices.Length * size)
            throw new ArgumentException($"{indices.Length} images need {(long)indices.Length * size} bytes, the buffer holds {destination.Length}", nameof(destination));
        for (int i = 0; i < indices.Length; i++)
        {
            long index = indices[i];
            if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(indices), index, $"image index outside 0..{Count - 1}");
            int shard = ShardOf(index);
            var target = destination.Slice(i * size, size);
            if (MemoryMarshal.TryGetMemoryManager<byte, MappedFile>(_shards[shard], out var file)) file!.Read((index - _starts[shard]) * size, target);
            else _shards[shard].Span.Slice(checked((int)((index - _starts[shard]) * size)), size).CopyTo(target);
        }
    }

    int ShardOf(long index)
    {
        int shard = Array.BinarySearch(_starts, index);
        return shard < 0 ? ~shard - 1 : shard;
    }

    public ulong PixelHash(int row) => XxHash3.HashToUInt64(Image(row));

    /// <summary>Writes the set as the shard folder <paramref name="folder"/> (<see cref="ImageSetWriter"/>), replacing it.</summary>
    public void Save(string folder, long shardBytes = ImageSetWriter.DefaultShardBytes) => SaveRows(Enumerable.Range(0, Count).ToList(), folder, shardBytes);

    public void SaveRows(IReadOnlyList<int> rows, string folder, long shardBytes)
    {
        using var writer = new ImageSetWriter(folder, Height, Width, shardBytes);
        foreach (int row in rows) writer.Add(Image(row));
        writer.Commit();
    }

    /// <summary>True when <paramref name="folder"/> holds a set, or the single file of the format before shards (<see cref="LegacyImageFile"/>).</summary>
    public static bool Exists(string folder) => Directory.Exists(folder) || File.Exists(LegacyImageFile.For(folder));

    /// <summary>
    /// The set in the shard folder <paramref name="folder"/>, mapped read-only. A run written before shards has
    /// <c>FOLDER.bin</c> instead: it is converted first (<see cref="LegacyImageFile.Convert"/>). Throws
    /// <see cref="InvalidDataException"/> naming the shard unless every shard is a uint8 [n, H, W, 3] array of one size.
    /// </summary>
    public static ImageSet Open(string folder)
    {
        if (!Directory.Exists(folder) && File.Exists(LegacyImageFile.For(folder))) LegacyImageFile.Convert(LegacyImageFile.For(folder), folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: the images folder is missing");
        var paths = Directory.GetFiles(folder, "*.npy").Order(StringComparer.Ordinal).ToList();
        if (paths.Count == 0) throw new InvalidDataException($"{folder}: no image shards (NNNNN.npy)");
        var shards = new Memory<byte>[paths.Count];
        var starts = new long[paths.Count];
        var maps = new List<IDisposable>();
        int height = 0, width = 0;
        long count = 0;
        try
        {
            for (int s = 0; s < paths.Count; s++)
            {
                string path = paths[s];
                if (Path.GetFileName(path) != ImageSetWriter.ShardName(s))
                    throw new InvalidDataException($"{path}: expected shard {ImageSetWriter.ShardName(s)} here (shards are numbered from 00000 without gaps)");
                var (descr, shape, offset) = Npy.ReadHeader(path);
                if (descr != NpyType || shape.Length != 4 || shape[3] != Channels || shape[1] < 1 || shape[2] < 1)
                    throw new InvalidDataException($"{path}: expected uint8 images [n, H, W, 3], found {descr} ({string.Join(", ", shape)})");
                if (s > 0 && (shape[1] != height || shape[2] != width))
                    throw new InvalidDataException($"{path}: images of {shape[1]}x{shape[2]}, earlier shards {height}x{width}");
                (height, width) = (shape[1], shape[2]);
                if (shape[0] == 0 && paths.Count > 1) throw new InvalidDataException($"{path}: an empty shard in a set of {paths.Count} (only an empty set has one)");
                long bytes = (long)shape[0] * height * width * Channels;
                if (bytes > int.MaxValue) throw new InvalidDataException($"{path}: a shard holds at most {int.MaxValue} bytes, this one {bytes}");
                starts[s] = count;
                count += shape[0];
                if (bytes > 0)
                {
                    var map = new MappedFile(path, offset, (int)bytes);
                    maps.Add(map);
                    shards[s] = map.Memory;
                }
            }
            if (count > int.MaxValue) throw new InvalidDataException($"{folder}: {count} images, more than the {int.MaxValue} a set indexes");
            return new ImageSet((int)count, height, width, shards, starts, [.. maps]);
        }
        catch
        {
            foreach (var map in maps) map.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var map in _maps) map.Dispose();
    }

    /// <summary>A read-only memory map of <paramref name="length"/> bytes of a file from <paramref name="offset"/>.</summary>
    sealed unsafe class MappedFile : MemoryManager<byte>
    {
        readonly MemoryMappedFile _file;
        readonly MemoryMappedViewAccessor _view;
        readonly SafeFileHandle _handle;
        readonly string _path;
        readonly long _offset;
        readonly byte* _start;
        readonly int _length;
        bool _disposed;

        public MappedFile(string path, long offset, int length)
        {
            _path = path;
            _offset = offset;
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            _file = MemoryMappedFile.CreateFromFile(_handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            _start = start + _view.PointerOffset + offset;
            _length = length;
        }

        public override Span<byte> GetSpan() => new(_start, _length);

        /// <summary>The bytes at <paramref name="position"/> of the mapped range, read from the file, not through the map.</summary>
        public void Read(long position, Span<byte> destination)
        {
            if (position < 0 || position + destination.Length > _length) throw new ArgumentOutOfRangeException(nameof(position));
            int read = FileRange.Read(_handle, destination, _offset + position);
            if (read < destination.Length) throw new EndOfStreamException($"{_path}: ends before byte {_offset + position + read}: the shard was cut after it was opened");
        }

        public override MemoryHandle Pin(int elementIndex = 0) => new(_start + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing)
        {
            if (!disposing || _disposed) return;
            _disposed = true;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
            _handle.Dispose();
        }
    }
}
