using System.Buffers.Binary;
using MoDE.Storage;

namespace MoDE.Data;

/// <summary>
/// A block of equally sized RGB images, stored as 8-bit pixels in height x width x channel order.
/// On disk: the magic "MODEIMG\0", format version (int32), count, height, width, channels (int32 each,
/// little-endian), then the pixels, image after image.
/// </summary>
public sealed class ImageSet
{
    public const int FormatVersion = 1;
    static ReadOnlySpan<byte> Magic => "MODEIMG\0"u8;

    public ImageSet(int count, int height, int width, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (pixels.LongLength != (long)count * height * width * Channels)
            throw new ArgumentException(
                $"expected {(long)count * height * width * Channels} bytes for {count} images of {height}x{width}x{Channels}, got {pixels.LongLength}",
                nameof(pixels));
        Count = count;
        Height = height;
        Width = width;
        Pixels = pixels;
    }

    public const int Channels = 3;
    public int Count { get; }
    public int Height { get; }
    public int Width { get; }
    public int ImageBytes => Height * Width * Channels;

    /// <summary>All pixels, image after image, each height x width x RGB.</summary>
    public byte[] Pixels { get; }

    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(checked(index * ImageBytes), ImageBytes);

    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        WriteHeader(stream, Count, Height, Width);
        stream.Write(Pixels);
    });

    /// <summary>Bytes before the first pixel.</summary>
    public const int HeaderBytes = 28;

    /// <summary>The header alone; <see cref="ImageSetWriter"/> writes it again with the final count when it is known.</summary>
    public static void WriteHeader(Stream stream, int count, int height, int width)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], count);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], height);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], width);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], Channels);
        stream.Write(header);
    }

    public static ImageSet Load(string path)
    {
        using var stream = File.OpenRead(path);
        var (count, height, width) = ReadHeader(stream, path);
        var pixels = new byte[(long)count * height * width * Channels];
        stream.ReadExactly(pixels);
        return new ImageSet(count, height, width, pixels);
    }

    /// <summary>
    /// The header of the images file open in <paramref name="stream"/> (at its start), checked against the file's
    /// length; the stream is left at the first pixel, for readers that go image by image.
    /// </summary>
    public static (int Count, int Height, int Width) ReadHeader(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header[..8].SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a MoDE image file (bad magic or too short)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (version != FormatVersion)
            throw new InvalidDataException($"{path}: image format version {version}, this build reads {FormatVersion}");
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
        int channels = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        if (channels != Channels || count < 0 || height < 1 || width < 1)
            throw new InvalidDataException($"{path}: bad header (count {count}, {height}x{width}x{channels})");
        long expected = (long)count * height * width * channels;
        if (stream.Length - header.Length != expected)
            throw new InvalidDataException($"{path}: expected {expected} pixel bytes, file holds {stream.Length - header.Length} (truncated?)");
        return (count, height, width);
    }
}
