using MoDE.Storage;

namespace MoDE.Data;

/// <summary>
/// Writes an <see cref="ImageSet"/> folder one image at a time, so a large source never has to fit in memory. The shards
/// go to a temporary folder beside the target, each written to a temporary file and renamed into place when full, so a
/// shard that is visible is whole; <see cref="Commit"/> closes the last shard and renames the folder over the target.
/// Disposed without a commit, the temporary folder is deleted and the target is untouched.
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
    FileStream? _shard;
    string? _shardTemp;
    int _shards, _inShard;
    bool _committed;

    /// <param name="shardBytes">At most this many bytes of pixels per shard (at least one image; <see cref="DefaultShardBytes"/>).</param>
    public ImageSetWriter(string folder, int height, int width, long shardBytes = DefaultShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shardBytes, 1);
        Height = height;
        Width = width;
        _perShard = (int)Math.Clamp(Math.Min(shardBytes, int.MaxValue) / ImageBytes, 1, int.MaxValue);
        _path = Path.GetFullPath(folder);
        _temp = AtomicFile.TemporaryFor(_path);
        Directory.CreateDirectory(_temp);
    }

    public int Height { get; }
    public int Width { get; }
    public int Count { get; private set; }
    public int ImageBytes => Height * Width * ImageSet.Channels;

    /// <summary>The file name of shard <paramref name="index"/>.</summary>
    public static string ShardName(int index) => $"{index:D5}.npy";

    public void Add(ReadOnlySpan<byte> rgb)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (rgb.Length != ImageBytes) throw new ArgumentException($"an image is {ImageBytes} bytes ({Height}x{Width}x{ImageSet.Channels}), got {rgb.Length}", nameof(rgb));
        if (_shard is null)
        {
            _shardTemp = AtomicFile.TemporaryFor(Path.Combine(_temp, ShardName(_shards)));
            _shard = new FileStream(_shardTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
            WriteHeader(_shard, _perShard);
        }
        _shard.Write(rgb);
        Count++;
        if (++_inShard == _perShard) CloseShard();
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
        _shard ??= new FileStream(_shardTemp = AtomicFile.TemporaryFor(Path.Combine(_temp, ShardName(_shards))), FileMode.CreateNew, FileAccess.Write);
        _shard.Position = 0;
        WriteHeader(_shard, _inShard);
        _shard.Flush(flushToDisk: true);
        _shard.Dispose();
        _shard = null;
        File.Move(_shardTemp!, Path.Combine(_temp, ShardName(_shards++)));
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
        string? old = null;
        if (Directory.Exists(_path))
        {
            if (!overwrite) return false;
            Directory.Move(_path, old = AtomicFile.TemporaryFor(_path));
        }
        try { Directory.Move(_temp, _path); }
        catch (IOException) when (!overwrite && Directory.Exists(_path)) { return false; }
        if (old is not null) Directory.Delete(old, recursive: true);
        File.Delete(LegacyImageFile.For(_path));
        return true;
    }

    public void Dispose()
    {
        _shard?.Dispose();
        if (Directory.Exists(_temp)) Directory.Delete(_temp, recursive: true);
    }
}
