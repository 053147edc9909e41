using System.Buffers.Binary;

namespace MoDE.Data;

/// <summary>
/// The images file of runs written before <see cref="ImageSet"/> folders: <c>FOLDER.bin</c> holding the magic
/// "MODEIMG\0", format version 1 (int32), count, height, width, channels (int32 each, little-endian), then the pixels.
/// One .NET array held it, so it stopped at 2^31 bytes. <see cref="ImageSet.Open"/> converts it on first read: the
/// run then works as it is, with no step for the user to learn, and the conversion is as safe as any write of a set (the
/// folder appears whole or not at all; the old file is deleted only after).
/// </summary>
public static class LegacyImageFile
{
    public const int HeaderBytes = 28;
    static ReadOnlySpan<byte> Magic => "MODEIMG\0"u8;

    /// <summary>Where a set folder's single-file predecessor lies: the folder's path with ".bin".</summary>
    public static string For(string folder) => Path.TrimEndingDirectorySeparator(folder) + ".bin";

    /// <summary>Streams <paramref name="file"/> image by image into the set folder <paramref name="folder"/>, then deletes
    /// the file. When another process converts the same file at once, the first folder stays.</summary>
    public static void Convert(string file, string folder)
    {
        using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 20))
        {
            var (count, height, width) = ReadHeader(input, file);
            using var writer = new ImageSetWriter(folder, height, width);
            var image = new byte[writer.ImageBytes];
            for (int i = 0; i < count; i++)
            {
                input.ReadExactly(image);
                writer.Add(image);
            }
            writer.Commit(overwrite: false);
        }
        File.Delete(file);
    }

    /// <summary>The header of the file open in <paramref name="stream"/>, checked against the file's length; the stream is
    /// left at the first pixel.</summary>
    static (int Count, int Height, int Width) ReadHeader(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length || !header[..8].SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a MoDE image file (bad magic or too short)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (version != 1) throw new InvalidDataException($"{path}: image format version {version}, this build converts version 1");
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
        int channels = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        if (channels != ImageSet.Channels || count < 0 || height < 1 || width < 1)
            throw new InvalidDataException($"{path}: bad header (count {count}, {height}x{width}x{channels})");
        long expected = (long)count * height * width * channels;
        if (stream.Length - header.Length != expected)
            throw new InvalidDataException($"{path}: expected {expected} pixel bytes, file holds {stream.Length - header.Length} (truncated?)");
        return (count, height, width);
    }
}
