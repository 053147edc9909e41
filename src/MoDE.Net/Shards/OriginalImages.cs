using System.IO.Hashing;
using System.Runtime.ExceptionServices;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Storage;
using SkiaSharp;

namespace MoDE.Shards;

/// <summary>
/// The encoded image of each pair of a run, as a shard stores it. For a run ingested from a source (<c>--source</c>), the source is
/// read again as ingest read it (<see cref="PairSource"/>, ids as in <c>pairs/pairs.jsonl</c>) and each pair's original bytes are
/// kept: where they lie (a member of an uncompressed .tar, an image file), or, when they lie nowhere to read again (a .tar.gz, a
/// Parquet cell), in a temporary spool file. Every original is decoded as ingest decoded it and must give the pixels the run holds
/// (<see cref="IImageRows.PixelHash"/>), so a source changed since ingest is an error naming the file and the pair, never other data.
/// JPEG, PNG and WebP originals are kept as they are; a GIF or BMP, which open_clip's loader does not take, is written as a lossless PNG
/// of its full-size first frame (<see cref="Converted"/>). The built-in dataset has no encoded originals: its stored pixels are written
/// as lossless PNG (<see cref="FromSource"/> false).
/// </summary>
public sealed class OriginalImages : IDisposable
{
    readonly IImageRows _images;
    readonly List<string> _files = [];
    readonly int[] _file = [];
    readonly long[] _offset = [];
    readonly int[] _length = [];
    readonly string[] _extension = [];
    readonly string? _spoolPath;
    readonly FileStream? _spool;

    OriginalImages(IImageRows images) => _images = images;

    OriginalImages(IImageRows images, string spoolPath) : this(images)
    {
        _file = new int[images.Count];
        Array.Fill(_file, -1);
        _offset = new long[images.Count];
        _length = new int[images.Count];
        _extension = new string[images.Count];
        _spoolPath = spoolPath;
        _spool = new FileStream(spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        _files.Add(spoolPath);
    }

    /// <summary>True when the images are the source's originals; false: the stored pixels as lossless PNG.</summary>
    public bool FromSource => _spool is not null;

    /// <summary>Originals in a format open_clip does not read (GIF, BMP), written as lossless PNG.</summary>
    public int Converted { get; private set; }

    /// <summary>The built-in dataset's stored pixels, each written as a lossless PNG.</summary>
    public static OriginalImages Stored(IImageRows images) => new(images);

    /// <summary>
    /// The originals of <paramref name="rows"/> in the source of <paramref name="options"/>; the spool (when one is needed) is a
    /// temporary file in <paramref name="folder"/>, deleted on <see cref="Dispose"/>.
    /// </summary>
    public static OriginalImages FromSourceOf(SourceOptions options, IImageRows images, IReadOnlyList<Pair> pairs, IEnumerable<int> rows, string folder, TextWriter log)
    {
        Directory.CreateDirectory(folder);
        var originals = new OriginalImages(images, AtomicFile.TemporaryFor(Path.Combine(folder, "originals")));
        try { originals.Index(options, pairs, rows, log); }
        catch { originals.Dispose(); throw; }
        return originals;
    }

    void Index(SourceOptions options, IReadOnlyList<Pair> pairs, IEnumerable<int> rows, TextWriter log)
    {
        var rowOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (int row in rows) rowOf[pairs[row].Id] = row;
        var decoder = ImageDecoder.For(options);
        var report = new IngestReport();
        var chunk = new List<(SourceRecord Record, int Row)>(SourceIngest.ChunkSize);
        foreach (var reader in PairSource.Open(options, report))
            foreach (var record in SourceIngest.Records(reader, report, log))
            {
                if (!rowOf.TryGetValue(record.Id, out int row) || _file[row] >= 0) continue;
                _file[row] = int.MaxValue; // claimed: ingest kept the first record of an id
                chunk.Add((record, row));
                if (chunk.Count == SourceIngest.ChunkSize) Add(chunk, options, decoder);
            }
        Add(chunk, options, decoder);
        var missing = rowOf.Where(r => _file[r.Value] < 0).Select(r => r.Key).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{options.Source}: {missing.Count} of the run's pairs are no longer in the source (first: {missing[0]}); the source changed since ingest: put it back or ingest again");
        _spool!.Flush();
        log.WriteLine($"shards: {rowOf.Count} original images found in {options.Source}, each decoding to the run's pixels" +
                      (Converted > 0 ? $"; {Converted} GIF/BMP written as lossless PNG" : ""));
    }

    /// <summary>Checks and places one chunk of records (decoded in parallel), then empties it.</summary>
    void Add(List<(SourceRecord Record, int Row)> chunk, SourceOptions options, ImageDecoder decoder)
    {
        var found = new (byte[] Bytes, string Extension, bool Spool, bool Converted)[chunk.Count];
        try
        {
            Parallel.For(0, chunk.Count, i =>
            {
                var (record, row) = chunk[i];
                string where = record.ImagePath ?? record.Shard ?? options.Source;
                byte[]? bytes = record.ImageBytes;
                if (bytes is null && SourceFile.Read(record.ImagePath ?? "", options.MaxImageBytes, SkipReason.MissingImage, SkipReason.TooLarge, out bytes) is { } unread)
                    throw new InvalidDataException($"{where}: the image of pair {record.Id} cannot be read again ({IngestReport.Key(unread.Reason)}); the source changed since ingest: put it back or ingest again");
                var rgb = new byte[decoder.ImageBytes];
                if (SourceIngest.Decode(record with { ImageBytes = bytes }, decoder, options.MaxImageBytes, rgb) is { } problem)
                    throw new InvalidDataException($"{where}: the image of pair {record.Id} no longer decodes ({IngestReport.Key(problem.Reason)}); the source changed since ingest: put it back or ingest again");
                if (XxHash3.HashToUInt64(rgb) != _images.PixelHash(row))
                    throw new InvalidDataException($"{where}: the image of pair {record.Id} decodes to other pixels than the run's; the source changed since ingest: put it back or ingest again");
                string? extension = ExtensionOf(bytes);
                bool inPlace = extension is not null && (record.ImagePath is not null || record is { Shard: not null, ImageOffset: >= 0 });
                found[i] = extension is null ? (FullSizePng(bytes), "png", true, true) : (bytes, extension, !inPlace, false);
            });
        }
        catch (AggregateException e) { ExceptionDispatchInfo.Throw(e.InnerExceptions[0]); }
        for (int i = 0; i < chunk.Count; i++)
        {
            var (record, row) = chunk[i];
            var (bytes, extension, spool, converted) = found[i];
            if (converted) Converted++;
            _extension[row] = extension;
            _length[row] = bytes.Length;
            if (spool)
            {
                _file[row] = 0;
                _offset[row] = _spool!.Position;
                _spool.Write(bytes);
                continue;
            }
            string file = record.ImagePath is not null ? Path.GetFullPath(record.ImagePath) : record.Shard!;
            if (_files.Count == 0 || _files[^1] != file) _files.Add(file);
            _file[row] = _files.Count - 1;
            _offset[row] = record.ImagePath is not null ? 0 : record.ImageOffset;
        }
        chunk.Clear();
    }

    /// <summary>The field name webdataset gives an encoded image open_clip reads (jpg, png, webp), by its magic bytes; null for others.</summary>
    public static string? ExtensionOf(byte[] bytes) =>
        bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "jpg"
        : bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]) ? "png"
        : bytes.Length >= 12 && bytes.AsSpan(0, 4).SequenceEqual("RIFF"u8) && bytes.AsSpan(8, 4).SequenceEqual("WEBP"u8) ? "webp"
        : null;

    /// <summary>The encoded image of <paramref name="row"/> and its webdataset field name (jpg, png, webp).</summary>
    public (byte[] Bytes, string Extension) Read(int row)
    {
        if (!FromSource)
        {
            var rgb = new byte[_images.ImageBytes];
            _images.CopyImages([row], rgb);
            return (LosslessPng.Encode(rgb, _images.Width, _images.Height), "png");
        }
        if (_file[row] < 0) throw new ArgumentOutOfRangeException(nameof(row), row, "not a row of the shard sets");
        var bytes = new byte[_length[row]];
        string path = _files[_file[row]];
        int read;
        if (_file[row] == 0) read = RandomAccess.Read(_spool!.SafeFileHandle, bytes, _offset[row]);
        else
        {
            using var handle = File.OpenHandle(path);
            read = FileRange.Read(handle, bytes, _offset[row]);
        }
        if (read < bytes.Length)
            throw new InvalidDataException($"{path}: ends before the image of row {row} ({bytes.Length} bytes at byte {_offset[row]}); the source changed while the shards were written");
        return (bytes, _extension[row]);
    }

    /// <summary>An image open_clip does not read (GIF, BMP), its full-size first frame as a lossless PNG.</summary>
    static byte[] FullSizePng(byte[] encoded)
    {
        using var bitmap = SKBitmap.Decode(encoded) ?? throw new InvalidDataException("an image that decoded at ingest no longer decodes");
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public void Dispose() => _spool?.Dispose();
}
