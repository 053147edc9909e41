using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using MoDE.Storage;

namespace MoDE.Data.Ingest;

/// <summary>
/// The images of a run read from the source's WebDataset .tar shards in place (<see cref="PixelStore.Source"/>). The
/// images folder holds <c>sources.json</c> (the decoder's settings, and each shard read, by absolute path, with its
/// length and last write time at ingest) and <c>locations.npy</c> (int64 <c>[n, 4]</c>: the shard's index in
/// sources.json, the byte offset of the image member's data in it, its length, and the XXH3 of its decoded pixels,
/// <see cref="IImageRows.PixelHash"/>). A read takes the member's bytes with one positioned read (RandomAccess), decodes
/// them as ingest did (<see cref="SourceIngest.Decode"/> with the same <see cref="ImageDecoder"/> settings) and checks
/// the hash, so training sees exactly the pixels of the stored path, or stops: a shard that is missing, of another
/// length or write time than at ingest (checked on <see cref="Open"/>), cut short, or whose image now decodes to other
/// pixels is one <see cref="InvalidDataException"/> naming the shard. The images of one call decode in parallel. Table
/// rows are read when needed, so memory does not grow with the corpus.
/// </summary>
public sealed class SourceImageSet : IImageRows
{
    public const string SourcesFile = "sources.json";
    public const string LocationsFile = "locations.npy";

    const int Columns = 4; // shard, offset, length, pixel hash
    const int RowBytes = Columns * sizeof(long);
    const int HeaderBytes = 128;

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    /// <summary>One source shard as ingest left it.</summary>
    public sealed record Shard(string Path, long Bytes, DateTime Modified);

    /// <summary>sources.json: what the decoder needs to give the ingest's pixels again, and the shards.</summary>
    public sealed record Sources(int ImageSize, ImageBackground Background, long MaxPixels, int MaxJpegScans, long MaxImageBytes, IReadOnlyList<Shard> Shards);

    readonly string _locationsPath;
    readonly long _dataOffset;
    readonly Sources _sources;
    readonly ImageDecoder _decoder;
    readonly SafeFileHandle _locations;

    SourceImageSet(Sources sources, string locationsPath, SafeFileHandle locations, long dataOffset, int count)
    {
        _sources = sources;
        _decoder = new ImageDecoder(sources.ImageSize, sources.MaxPixels, sources.Background, sources.MaxJpegScans);
        _locationsPath = locationsPath;
        _locations = locations;
        _dataOffset = dataOffset;
        Count = count;
    }

    public int Count { get; }
    public int Height => _sources.ImageSize;
    public int Width => _sources.ImageSize;
    public int ImageBytes => _decoder.ImageBytes;

    /// <summary>True when <paramref name="folder"/> is the images folder of a run that reads its source in place.</summary>
    public static bool In(string folder) => File.Exists(Path.Combine(folder, SourcesFile));

    public static SourceImageSet Open(string folder)
    {
        var sources = JsonFile.Read<Sources>(Path.Combine(folder, SourcesFile), Json);
        foreach (var shard in sources.Shards) Check(shard);
        string path = Path.Combine(folder, LocationsFile);
        var (descr, shape, offset) = Npy.ReadHeader(path);
        if (descr != "<i8" || shape.Length != 2 || shape[1] != Columns)
            throw new InvalidDataException($"{path}: expected int64 image locations [n, {Columns}], found {descr} ({string.Join(", ", shape)})");
        long bytes = new FileInfo(path).Length, promised = offset + (long)shape[0] * RowBytes;
        if (bytes != promised) throw new InvalidDataException($"{path}: holds {bytes} bytes, its header promises {promised}");
        return new SourceImageSet(sources, path, File.OpenHandle(path), offset, shape[0]);
    }

    /// <summary>
    /// Whether an ingest of <paramref name="readers"/> reads its pixels in place (<see cref="SourceOptions.Pixels"/>): only
    /// uncompressed WebDataset .tar shards can be; for any other source a request for it is told on <paramref name="log"/>
    /// and the pixels are stored.
    /// </summary>
    public static bool Chosen(SourceOptions options, IReadOnlyList<IPairReader> readers, TextWriter log)
    {
        if (options.Pixels == PixelStore.Stored || (options.Pixels == PixelStore.Auto && options.ImageSize < SourceOptions.SourcePixelsFromSize)) return false;
        if (readers.All(r => r is TarShardReader { Compressed: false })) return true;
        log.WriteLine($"ingest: pixels stored in pairs/images, not read from the source ({(options.Pixels == PixelStore.Auto ? $"{options.ImageSize} px" : "--pixels source")}): only uncompressed WebDataset .tar shards can be read in place");
        return false;
    }

    /// <summary>Throws unless <paramref name="shard"/> has the length and write time it had at ingest.</summary>
    static void Check(Shard shard)
    {
        var info = new FileInfo(shard.Path);
        string? change = !info.Exists ? "it is missing"
            : info.Length != shard.Bytes ? $"{info.Length} bytes, {shard.Bytes} at ingest"
            : info.LastWriteTimeUtc != shard.Modified ? $"written at {info.LastWriteTimeUtc:O}, at ingest {shard.Modified:O}"
            : null;
        if (change is not null) throw Changed(shard.Path, change);
    }

    static InvalidDataException Changed(string shard, string what) =>
        new($"{shard}: this source shard changed since ingest ({what}); the run reads its images from it (--pixels source): put it back as it was, or ingest again");

    (int Shard, long Offset, int Length, ulong Hash) Location(int row)
    {
        if ((uint)row >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(row), row, $"image index outside 0..{Count - 1}");
        Span<byte> bytes = stackalloc byte[RowBytes];
        if (FileRange.Read(_locations, bytes, _dataOffset + (long)row * RowBytes) != RowBytes)
            throw new InvalidDataException($"{_locationsPath}: cut short before row {row}");
        long shard = BinaryPrimitives.ReadInt64LittleEndian(bytes), offset = BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]),
            length = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
        if ((ulong)shard >= (ulong)_sources.Shards.Count || offset < 0 || length < 1 || length > _sources.MaxImageBytes)
            throw new InvalidDataException($"{_locationsPath}: row {row} is no image location (shard {shard}, {length} bytes at {offset})");
        return ((int)shard, offset, (int)length, BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));
    }

    /// <summary>Reads, decodes and checks the image of <paramref name="row"/> into <paramref name="rgb"/>.</summary>
    void Read(int row, Span<byte> rgb)
    {
        var (index, offset, length, hash) = Location(row);
        string path = _sources.Shards[index].Path;
        var bytes = new byte[length];
        int read = 0;
        try
        {
            using var handle = File.OpenHandle(path);
            read = FileRange.Read(handle, bytes, offset);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { throw Changed(path, "it is missing"); }
        string where = $"the image of row {row}, {length} bytes at byte {offset}";
        if (read < length) throw Changed(path, $"it ends before {where}");
        if (SourceIngest.Decode(new SourceRecord("", "", bytes), _decoder, _sources.MaxImageBytes, rgb) is { } problem)
            throw Changed(path, $"{where} does not decode: {IngestReport.Key(problem.Reason)}");
        if (XxHash3.HashToUInt64(rgb) != hash) throw Changed(path, $"{where} decodes to other pixels");
    }

    public unsafe void CopyImages(ReadOnlySpan<int> rows, Span<byte> destination)
    {
        int size = ImageBytes;
        if (destination.Length < (long)rows.Length * size)
            throw new ArgumentException($"{rows.Length} images need {(long)rows.Length * size} bytes, the buffer holds {destination.Length}", nameof(destination));
        int[] list = rows.ToArray();
        fixed (byte* start = destination)
        {
            nint address = (nint)start;
            try { Parallel.For(0, list.Length, i => Read(list[i], new Span<byte>((byte*)address + (long)i * size, size))); }
            catch (AggregateException e) { ExceptionDispatchInfo.Throw(e.InnerExceptions[0]); }
        }
    }

    public ulong PixelHash(int row) => Location(row).Hash;

    public void SaveRows(IReadOnlyList<int> rows, string folder, long shardBytes)
    {
        using var writer = new Writer(folder, _sources);
        foreach (int row in rows)
        {
            var (shard, offset, length, hash) = Location(row);
            writer.Add(shard, offset, length, hash);
        }
        writer.Commit();
    }

    public void Dispose() => _locations.Dispose();

    /// <summary>
    /// Writes an images folder of this kind: the table goes to a temporary folder beside the target, and
    /// <see cref="Commit"/> writes sources.json and renames the folder over the target (<see cref="AtomicFile.MoveFolder"/>).
    /// Disposed without a commit, the temporary folder is deleted and the target is untouched.
    /// </summary>
    public sealed class Writer : IDisposable
    {
        readonly string _path, _temp;
        readonly FileStream _table;
        readonly Sources _sources;
        readonly bool _known; // the shards are those of an existing set, recorded at its ingest
        readonly Dictionary<string, int> _shards = new(StringComparer.Ordinal);
        int _count;
        bool _committed;

        /// <summary>A new set decoded by <paramref name="decoder"/>; shards are added as their images are.</summary>
        public Writer(string folder, ImageDecoder decoder, long maxImageBytes)
            : this(folder, new Sources(decoder.Size, decoder.Background, decoder.MaxPixels, decoder.MaxJpegScans, maxImageBytes, []), known: false) { }

        internal Writer(string folder, Sources sources, bool known = true)
        {
            _sources = sources;
            _known = known;
            _path = Path.GetFullPath(folder);
            _temp = AtomicFile.TemporaryFor(_path);
            Directory.CreateDirectory(_temp);
            _table = new FileStream(Path.Combine(_temp, LocationsFile), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            WriteHeader();
        }

        /// <summary>The image of the <paramref name="length"/> bytes at <paramref name="offset"/> in <paramref name="shard"/>, decoded to <paramref name="rgb"/>.</summary>
        public void Add(string shard, long offset, int length, ReadOnlySpan<byte> rgb)
        {
            string path = Path.GetFullPath(shard);
            if (!_shards.TryGetValue(path, out int index)) _shards.Add(path, index = _shards.Count);
            Add(index, offset, length, XxHash3.HashToUInt64(rgb));
        }

        internal void Add(int shard, long offset, int length, ulong hash)
        {
            ObjectDisposedException.ThrowIf(_committed, this);
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            Span<byte> row = stackalloc byte[RowBytes];
            BinaryPrimitives.WriteInt64LittleEndian(row, shard);
            BinaryPrimitives.WriteInt64LittleEndian(row[8..], offset);
            BinaryPrimitives.WriteInt64LittleEndian(row[16..], length);
            BinaryPrimitives.WriteUInt64LittleEndian(row[24..], hash);
            _table.Write(row);
            _count++;
        }

        void WriteHeader() => Npy.WriteHeader(_table, "<i8", $"({_count}, {Columns})", HeaderBytes);

        /// <summary>Writes the row count and sources.json (each new shard with its length and write time now) and renames the folder into place.</summary>
        public void Commit()
        {
            ObjectDisposedException.ThrowIf(_committed, this);
            _committed = true;
            _table.Position = 0;
            WriteHeader();
            _table.Flush(flushToDisk: true);
            _table.Dispose();
            var sources = _known ? _sources : _sources with
            {
                Shards = [.. _shards.OrderBy(s => s.Value).Select(s => new FileInfo(s.Key)).Select(f => new Shard(f.FullName, f.Length, f.LastWriteTimeUtc))],
            };
            AtomicFile.WriteAllText(Path.Combine(_temp, SourcesFile), JsonSerializer.Serialize(sources, Json));
            AtomicFile.MoveFolder(_temp, _path, overwrite: true);
        }

        public void Dispose()
        {
            _table.Dispose();
            if (Directory.Exists(_temp)) Directory.Delete(_temp, recursive: true);
        }
    }
}
