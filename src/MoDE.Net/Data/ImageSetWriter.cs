using MoDE.Storage;

namespace MoDE.Data;

/// <summary>
/// Writes an <see cref="ImageSet"/> folder one image at a time, so a large source never has to fit in memory. The shards
/// go to a temporary folder beside the target, each written to a temporary file and renamed into place when full, so a
/// shard that is visible is whole; <see cref="Commit"/> closes the last shard and renames the folder over the target.
/// Disposed without a commit, the temporary folder is deleted and the target is untouched; a writer made by
/// <see cref="Resume"/> writes to the stable folder <see cref="PartialFor"/> instead and leaves its whole shards there, for
/// the next writer to go on after them. A full disk ends the shard being written (deleted) with a
/// <see cref="DiskFullException"/> naming the target, the shard and its bytes; the whole shards stay.
/// </summary>
public sealed class ImageSetWriter : IDisposable
{
    /// <summary>
    /// Bytes of pixels per shard, about 1 GiB: below the 2^31 bytes one span or array indexes (a shard is one mapped span),
    /// few files for a large corpus (100,000 images at 224 px are 15 shards), and small enough that copying or checking a
    /// shard is quick.
    /// </summary>
    public const long DefaultShardBytes = 1L << 30;

    /// <summary>
    /// Bytes of pixels a producer prepares at once before handing them to <see cref="AddImages"/> (the built-in dataset's
    /// renderer, the Fashion-MNIST import): 64 MiB is 21,845 images at 32 px or 445 at 224 px, enough for every core to work
    /// on many, small beside a shard.
    /// </summary>
    public const long ChunkBytes = 64L << 20;

    /// <summary>Bytes of every shard's .npy header: room for any count, so the count is written last in place.</summary>
    const int HeaderBytes = 128;

    readonly string _path, _temp;
    readonly int _perShard;
    readonly bool _keep;
    FileStream? _shard;
    string? _shardTemp;
    int _shards, _inShard;
    bool _committed;

    /// <param name="shardBytes">At most this many bytes of pixels per shard (at least one image; <see cref="DefaultShardBytes"/>).</param>
    public ImageSetWriter(string folder, int height, int width, long shardBytes = DefaultShardBytes) : this(folder, height, width, shardBytes, resume: null) { }

    /// <summary>
    /// A writer into <see cref="PartialFor"/>(<paramref name="folder"/>) that goes on after its first
    /// <paramref name="shards"/> shards, those of them that are whole (<see cref="Shards"/> says how many; any file after
    /// them is deleted), and leaves its whole shards there when disposed without a commit (the folder goes when it has none).
    /// </summary>
    public static ImageSetWriter Resume(string folder, int height, int width, long shardBytes, int shards) => new(folder, height, width, shardBytes, shards);

    /// <summary>The folder where <see cref="Resume"/> writes the shards of <paramref name="folder"/>.</summary>
    public static string PartialFor(string folder) => Path.GetFullPath(folder) + ".partial";

    ImageSetWriter(string folder, int height, int width, long shardBytes, int? resume)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardBytes, 1);
        Height = height;
        Width = width;
        _perShard = (int)Math.Clamp(Math.Min(shardBytes, int.MaxValue) / ImageBytes, 1, int.MaxValue);
        _path = Path.GetFullPath(folder);
        _keep = resume is not null;
        _temp = _keep ? PartialFor(_path) : AtomicFile.TemporaryFor(_path);
        Directory.CreateDirectory(_temp);
        if (resume is not { } kept) return;
        long whole = HeaderBytes + (long)_perShard * ImageBytes;
        while (_shards < kept && new FileInfo(Path.Combine(_temp, ShardName(_shards))) is { Exists: true } shard && shard.Length == whole && HasHeader(shard.FullName)) _shards++;
        foreach (string file in Directory.GetFiles(_temp).Where(f => !(Path.GetFileName(f) is [.. var index, '.', 'n', 'p', 'y'] && int.TryParse(index, out int i) && i < _shards)))
            File.Delete(file);
        Count = _shards * _perShard;
    }

    /// <summary>True when the file begins with the header of a whole shard of this writer.</summary>
    bool HasHeader(string path)
    {
        using var expected = new MemoryStream();
        WriteHeader(expected, _perShard);
        var header = new byte[HeaderBytes];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) == HeaderBytes && header.AsSpan().SequenceEqual(expected.ToArray());
    }

    public int Height { get; }
    public int Width { get; }
    public int Count { get; private set; }
    public int ImageBytes => Height * Width * ImageSet.Channels;

    /// <summary>Images in every shard but the last.</summary>
    public int ImagesPerShard => _perShard;

    /// <summary>Shards whole and in place.</summary>
    public int Shards => _shards;

    /// <summary>Called after each full shard is in place, with <see cref="Shards"/>.</summary>
    public Action<int>? ShardFinished { get; set; }

    /// <summary>The file name of shard <paramref name="index"/>.</summary>
    public static string ShardName(int index) => $"{index:D5}.npy";

    public void Add(ReadOnlySpan<byte> rgb)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (rgb.Length != ImageBytes) throw new ArgumentException($"an image is {ImageBytes} bytes ({Height}x{Width}x{ImageSet.Channels}), got {rgb.Length}", nameof(rgb));
        try
        {
            if (_shard is null)
            {
                _shardTemp = AtomicFile.TemporaryFor(Path.Combine(_temp, ShardName(_shards)));
                _shard = new FileStream(_shardTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                WriteHeader(_shard, _perShard);
            }
            _shard.Write(rgb);
        }
        catch (IOException e) when (DiskFullException.Is(e)) { throw Full(); }
        Count++;
        if (++_inShard == _perShard)
        {
            CloseShard();
            ShardFinished?.Invoke(_shards);
        }
    }

    /// <summary>The error for a full disk: the open shard is deleted first, so the free space said is what the whole shards leave.</summary>
    DiskFullException Full()
    {
        DropShard();
        return DiskFullException.For(_path, $"shard {ShardName(_shards)}", HeaderBytes + (long)_perShard * ImageBytes);
    }

    /// <summary>Closes and deletes the shard being written, whose buffered bytes may fail to reach the disk.</summary>
    void DropShard()
    {
        try { _shard?.Dispose(); }
        catch (IOException) { } // its bytes are dropped with it
        _shard = null;
        if (_shardTemp is not null) File.Delete(_shardTemp);
    }

    /// <summary>Several images, one after another (a whole number of <see cref="ImageBytes"/>), as <see cref="Add"/> one at a time.</summary>
    public void AddImages(ReadOnlySpan<byte> rgb)
    {
        if (rgb.Length % ImageBytes != 0) throw new ArgumentException($"images are {ImageBytes} bytes each ({Height}x{Width}x{ImageSet.Channels}), {rgb.Length} bytes are not a whole number of them", nameof(rgb));
        for (int at = 0; at < rgb.Length; at += ImageBytes) Add(rgb.Slice(at, ImageBytes));
    }

    /// <summary>Writes the true count into the open shard's header, flushes it to disk and renames it into place.</summary>
    void CloseShard()
    {
        try
        {
            _shard ??= new FileStream(_shardTemp = AtomicFile.TemporaryFor(Path.Combine(_temp, ShardName(_shards))), FileMode.CreateNew, FileAccess.Write);
            _shard.Position = 0;
            WriteHeader(_shard, _inShard);
            _shard.Flush(flushToDisk: true);
            _shard.Dispose();
        }
        catch (IOException e) when (DiskFullException.Is(e)) { throw Full(); }
        _shard = null;
        File.Move(_shardTemp!, Path.Combine(_temp, ShardName(_shards++)));
        _shardTemp = null;
        _inShard = 0;
    }

    void WriteHeader(Stream stream, int count) => Npy.WriteHeader(stream, ImageSet.NpyType, $"({count}, {Height}, {Width}, {ImageSet.Channels})", HeaderBytes);

    /// <summary>
    /// Closes the last shard (an empty set is one shard of 0 images, which keeps the size) and renames the folder to the
    /// target: over an existing one when <paramref name="overwrite"/>, else it returns false and leaves the existing one
    /// (another process converted the same file first). A file of the single-file format beside the target is deleted.
    /// </summary>
    public bool Commit(bool overwrite = true)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (_shard is not null || _shards == 0) CloseShard();
        _committed = true;
        if (!AtomicFile.MoveFolder(_temp, _path, overwrite)) return false;
        File.Delete(LegacyImageFile.For(_path));
        return true;
    }

    public void Dispose()
    {
        DropShard();
        if (Directory.Exists(_temp) && !(_keep && _shards > 0)) Directory.Delete(_temp, recursive: true);
    }
}
