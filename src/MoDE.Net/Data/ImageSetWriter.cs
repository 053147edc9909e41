using MoDE.Storage;

namespace MoDE.Data;

/// <summary>
/// Writes an <see cref="ImageSet"/> file one image at a time, so a large source never has to fit in memory.
/// The images go to a temporary file beside the target; <see cref="Commit"/> writes the final count into the
/// header, flushes to disk and renames it over the target in one step. Disposed without a commit, the temporary
/// file is deleted and the target is untouched.
/// </summary>
public sealed class ImageSetWriter : IDisposable
{
    readonly string _path, _temp;
    readonly FileStream _stream;
    bool _committed;

    public ImageSetWriter(string path, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        _path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _temp = AtomicFile.TemporaryFor(_path);
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        Height = height;
        Width = width;
        ImageSet.WriteHeader(_stream, 0, height, width);
    }

    public int Height { get; }
    public int Width { get; }
    public int Count { get; private set; }
    public int ImageBytes => Height * Width * ImageSet.Channels;

    public void Add(ReadOnlySpan<byte> rgb)
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        if (rgb.Length != ImageBytes) throw new ArgumentException($"an image is {ImageBytes} bytes ({Height}x{Width}x{ImageSet.Channels}), got {rgb.Length}", nameof(rgb));
        _stream.Write(rgb);
        Count++;
    }

    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_committed, this);
        _stream.Position = 0;
        ImageSet.WriteHeader(_stream, Count, Height, Width);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temp, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (File.Exists(_temp)) File.Delete(_temp);
    }
}
