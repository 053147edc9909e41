using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace MoDE.Tests.Data;

/// <summary>
/// Encoded test images made in memory: ordinary ones with SkiaSharp, odd PNG modes with a small PNG writer, a GIF and
/// a many-scan progressive JPEG written byte by byte, progressive and restart-marker JPEGs through libjpeg-turbo's jpegtran.
/// </summary>
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

    /// <summary>An Adam7-interlaced RGB PNG of noise (PNG specification, section 8.2: seven passes, each its own rows).</summary>
    public static byte[] InterlacedPng(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        var rows = new List<byte>();
        foreach (var (x0, y0, dx, dy) in ((int, int, int, int)[])[(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)])
            for (int y = y0; y < height && x0 < width; y += dy)
            {
                rows.Add(0);
                for (int x = x0; x < width; x += dx) rows.AddRange(pixels.AsSpan((y * width + x) * 3, 3).ToArray());
            }
        return Png(width, height, bitDepth: 8, colorType: 2, rows.ToArray(), interlaced: true);
    }

    /// <summary>
    /// A GIF89a of one frame of palette noise. The LZW codes stay 9 bits wide: a clear code every 250 pixels resets
    /// the table before it grows (GIF89a specification, appendix F), so every pixel is one literal code.
    /// </summary>
    public static byte[] Gif(int width, int height, int seed)
    {
        var random = new Random(seed);
        using var output = new MemoryStream();
        output.Write("GIF89a"u8);
        Span<byte> two = stackalloc byte[2];
        foreach (int v in (int[])[width, height]) { BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)v); output.Write(two); }
        output.Write([0xF7, 0, 0]); // global palette of 256 colors
        for (int i = 0; i < 256; i++) output.Write([(byte)i, (byte)(255 - i), (byte)(i * 7)]);
        output.WriteByte(0x2C); // image descriptor: at (0, 0), full size, no local palette
        output.Write(new byte[4]);
        foreach (int v in (int[])[width, height]) { BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)v); output.Write(two); }
        output.WriteByte(0);
        output.WriteByte(8); // LZW minimum code size
        var codes = new List<byte>();
        int buffer = 0, bits = 0;
        void Code(int code)
        {
            buffer |= code << bits;
            for (bits += 9; bits >= 8; bits -= 8, buffer >>= 8) codes.Add((byte)buffer);
        }
        Code(256);
        for (int i = 0; i < width * height; i++)
        {
            Code(random.Next(256));
            if (i % 250 == 249) Code(256);
        }
        Code(257);
        if (bits > 0) codes.Add((byte)buffer);
        for (int i = 0; i < codes.Count; i += 255)
        {
            int length = Math.Min(255, codes.Count - i);
            output.WriteByte((byte)length);
            output.Write(codes.ToArray(), i, length);
        }
        output.Write([0, 0x3B]); // end of the image data, trailer
        return output.ToArray();
    }

    /// <summary>
    /// A grey progressive JPEG (ITU-T T.81 annex G) of <paramref name="scans"/> scans: a DC scan of all zero
    /// differences, then first AC scans that are nothing but end-of-band runs of up to 32767 blocks, a few bytes each,
    /// every one of which a decoder still passes over every block for. Each AC scan repeats the band of the one
    /// before; libjpeg-turbo warns of the progression and decodes it.
    /// </summary>
    public static byte[] ManyScanJpeg(int width, int height, int scans)
    {
        var output = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, params byte[] data)
        {
            output.AddRange([0xFF, marker, (byte)((data.Length + 2) >> 8), (byte)(data.Length + 2)]);
            output.AddRange(data);
        }
        Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]); // quantization table 0, all ones
        Segment(0xC2, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]); // progressive, one component
        Segment(0xC4, [0x00, 1, .. new byte[15], 0]); // DC table 0: the one code "0" means a zero difference
        Segment(0xC4, [0x10, 0, 0, 0, 15, .. new byte[12], .. Enumerable.Range(0, 15).Select(r => (byte)(r << 4))]); // AC table 0: 4-bit codes for EOBRUN classes 0..14
        int blocks = (width + 7) / 8 * ((height + 7) / 8);
        var bits = new List<bool>();
        void Put(int value, int count) { for (int i = count - 1; i >= 0; i--) bits.Add((value >> i & 1) != 0); }
        void Flush()
        {
            while (bits.Count % 8 != 0) bits.Add(true);
            for (int i = 0; i < bits.Count; i += 8)
            {
                byte b = 0;
                for (int j = 0; j < 8; j++) b = (byte)(b << 1 | (bits[i + j] ? 1 : 0));
                output.Add(b);
                if (b == 0xFF) output.Add(0);
            }
            bits.Clear();
        }
        Segment(0xDA, [1, 1, 0x00, 0, 0, 0]);
        for (int i = 0; i < blocks; i++) Put(0, 1);
        Flush();
        for (int scan = 1; scan < scans; scan++)
        {
            Segment(0xDA, [1, 1, 0x00, 1, 63, 0]);
            for (int left = blocks; left > 0;)
            {
                int run = Math.Min(left, 32767), r = 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)run);
                Put(r, 4);
                Put(run - (1 << r), r);
                left -= run;
            }
            Flush();
        }
        output.AddRange([0xFF, 0xD9]);
        return output.ToArray();
    }

    /// <summary>
    /// The same JPEG rewritten by libjpeg-turbo's jpegtran with <paramref name="switches"/> (lossless: -progressive,
    /// -restart N; Debian's libjpeg-turbo-progs, installed when missing).
    /// </summary>
    public static byte[] Jpegtran(byte[] jpeg, params string[] switches)
    {
        if (!File.Exists("/usr/bin/jpegtran")) Apt.Install("libjpeg-turbo-progs");
        string folder = Directory.CreateTempSubdirectory("mode-jpegtran").FullName;
        string input = Path.Combine(folder, "in.jpg"), output = Path.Combine(folder, "out.jpg");
        File.WriteAllBytes(input, jpeg);
        var (exit, text) = ChildProcess.Run("/usr/bin/jpegtran", [.. switches, "-outfile", output, input]);
        if (exit != 0) throw new InvalidOperationException($"jpegtran failed (exit {exit}): {text}");
        return File.ReadAllBytes(output);
    }

    static byte[] Png(int width, int height, byte bitDepth, byte colorType, byte[] filteredRows, byte[]? palette = null, byte[]? transparency = null, bool interlaced = false)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colorType;
        header[12] = (byte)(interlaced ? 1 : 0);
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
