using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace MoDE.Tests.Data;

/// <summary>Encoded test images made in memory: ordinary ones with SkiaSharp, odd PNG modes with a small PNG writer.</summary>
static class TestImages
{
    /// <summary>A solid-color image, encoded.</summary>
    public static byte[] Solid(SKColor color, int width = 64, int height = 48, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg, int quality = 90)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        bitmap.Erase(color);
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>A noisy photo-like JPEG (large when encoded, so a cut lands inside the scan data).</summary>
    public static byte[] Noise(int width, int height, int seed)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var pixels = new byte[width * height * 4];
        random.NextBytes(pixels);
        for (int i = 3; i < pixels.Length; i += 4) pixels[i] = 255;
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        bitmap.NotifyPixelsChanged();
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        return data.ToArray();
    }

    /// <summary>
    /// A 16 x 8 CMYK JPEG of pure red (C 0, M 255, Y 255, K 0), with the Adobe marker, as Pillow 9.4 writes it
    /// (<c>Image.new("CMYK", (16, 8), (0, 255, 255, 0)).save(b, "JPEG", quality=90)</c>): SkiaSharp cannot encode CMYK.
    /// </summary>
    public static byte[] CmykRedJpeg() => Convert.FromBase64String(
        "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/8AAFAgACAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD9U6/Kqvyqr9U6KKKK/9k=");

    /// <summary>A 16-bit RGB PNG of one color (each channel value v stored as v * 257).</summary>
    public static byte[] Png16(byte r, byte g, byte b, int width = 8, int height = 8)
    {
        var rows = new List<byte>();
        for (int y = 0; y < height; y++)
        {
            rows.Add(0);
            for (int x = 0; x < width; x++) foreach (byte v in (byte[])[r, g, b]) { rows.Add(v); rows.Add(v); }
        }
        return Png(width, height, bitDepth: 16, colorType: 2, rows.ToArray());
    }

    /// <summary>A palette PNG: left half palette entry 0 (fully transparent), right half entry 1 (opaque blue).</summary>
    public static byte[] PaletteHalfTransparent(int width = 8, int height = 8)
    {
        var rows = new List<byte>();
        for (int y = 0; y < height; y++)
        {
            rows.Add(0);
            for (int x = 0; x < width; x++) rows.Add(x < width / 2 ? (byte)0 : (byte)1);
        }
        return Png(width, height, bitDepth: 8, colorType: 3, rows.ToArray(), palette: [0, 0, 0, 0, 0, 255], transparency: [0, 255]);
    }

    /// <summary>A grey PNG whose header claims <paramref name="side"/> x <paramref name="side"/> pixels, with only a few rows of data.</summary>
    public static byte[] BombHeader(int side) => Png(side, side, bitDepth: 8, colorType: 0, new byte[side + 1]);

    static byte[] Png(int width, int height, byte bitDepth, byte colorType, byte[] filteredRows, byte[]? palette = null, byte[]? transparency = null)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colorType;
        Chunk(output, "IHDR", header);
        if (palette is not null) Chunk(output, "PLTE", palette);
        if (transparency is not null) Chunk(output, "tRNS", transparency);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(filteredRows);
            Chunk(output, "IDAT", compressed.ToArray());
        }
        Chunk(output, "IEND", []);
        return output.ToArray();
    }

    static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        output.Write(four);
        byte[] typeAndData = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        output.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typeAndData));
        output.Write(four);
    }

    static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
