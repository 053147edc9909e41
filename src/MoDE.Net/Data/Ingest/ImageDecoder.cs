using System.Buffers.Binary;
using MoDE.Data;
using SkiaSharp;

namespace MoDE.Data.Ingest;

/// <summary>
/// Decodes one encoded image (JPEG, PNG, WebP, GIF, BMP) into the square RGB pixels of the images file.
/// <list type="bullet">
/// <item>The pixel count is read from the header first; above <see cref="MaxPixels"/> the image is skipped
/// before any pixel memory is allocated (decompression bombs).</item>
/// <item>Resize: the shorter side is scaled to <see cref="Size"/>, then the center square is cut out (as CLIP's
/// preprocessing: resize, center crop). Sampling is bilinear between mipmap levels, which averages when
/// shrinking. JPEGs are first decoded at the smallest DCT scale (1/8 to 1) that keeps the shorter side at or
/// above the target, which is the main speed-up on large photos.</item>
/// <item>Odd modes become 8-bit RGB: grey, palette and 16-bit images through the codec; CMYK JPEGs through
/// libjpeg-turbo's conversion; alpha (also palette transparency) is composited over <see cref="Background"/>.</item>
/// <item>An image that holds less than its header promises is <see cref="SkipReason.TruncatedImage"/>, never padded:
/// a half-grey picture would teach the model noise. The codec reports incomplete input for PNG, WebP and GIF (first
/// frame) data cut short, but libjpeg-turbo fills a cut JPEG silently, so the bytes are checked before decoding:
/// a JPEG by <see cref="JpegStream"/> (also its scan count, <see cref="MaxJpegScans"/>), a PNG must reach its IEND
/// chunk, a WebP its RIFF length.</item>
/// <item>Only the first frame of an animated GIF or WebP is decoded.</item>
/// </list>
/// Thread-safe: each call has its own buffers. <see cref="For"/> builds one from the ingest options.
/// </summary>
public sealed class ImageDecoder
{
    public ImageDecoder(int size, long maxPixels, ImageBackground background, int maxJpegScans = SourceOptions.DefaultMaxJpegScans)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxJpegScans, 1);
        Size = size;
        MaxPixels = maxPixels;
        Background = background;
        MaxJpegScans = maxJpegScans;
    }

    /// <summary>The decoder of an ingest: its image size, background and limits.</summary>
    public static ImageDecoder For(SourceOptions options) => new(options.ImageSize, options.MaxPixels, options.Background, options.MaxJpegScans);

    public int Size { get; }
    public long MaxPixels { get; }
    public int MaxJpegScans { get; }
    public ImageBackground Background { get; }
    public int ImageBytes => Size * Size * ImageSet.Channels;

    SKColor BackgroundColor => Background == ImageBackground.White ? SKColors.White : SKColors.Black;

    /// <summary>Decodes <paramref name="encoded"/> into <paramref name="rgb"/> (Size x Size x 3); returns why not, or null on success.</summary>
    public SkipReason? Decode(byte[] encoded, Span<byte> rgb)
    {
        if (encoded.Length == 0) return SkipReason.EmptyFile;
        if (Structure(encoded) is { } problem) return problem;
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null) return SkipReason.CorruptImage;
        var info = codec.Info;
        if (info.Width < 1 || info.Height < 1) return SkipReason.CorruptImage;
        if ((long)info.Width * info.Height > MaxPixels) return SkipReason.TooManyPixels;

        var decodeSize = new SKSizeI(info.Width, info.Height);
        float scale = (float)Size / Math.Min(info.Width, info.Height);
        if (scale < 1)
        {
            var scaled = codec.GetScaledDimensions(scale);
            if (scaled.Width >= 1 && scaled.Height >= 1 && Math.Min(scaled.Width, scaled.Height) >= Size) decodeSize = scaled;
        }
        var target = new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul, SKColorSpace.CreateSrgb());
        using var bitmap = new SKBitmap();
        if (!bitmap.TryAllocPixels(target)) return SkipReason.TooManyPixels;
        var result = codec.GetPixels(target, bitmap.GetPixels());
        if (result == SKCodecResult.IncompleteInput) return SkipReason.TruncatedImage;
        if (result != SKCodecResult.Success) return SkipReason.CorruptImage;
        bitmap.NotifyPixelsChanged();
        Fit(bitmap, rgb);
        return null;
    }

    /// <summary>What the container of <paramref name="encoded"/> says is wrong before any pixel is decoded, by its signature; null for other formats.</summary>
    SkipReason? Structure(ReadOnlySpan<byte> encoded)
    {
        if (encoded.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return JpegStream.Check(encoded, MaxJpegScans, MaxPixels);
        if (encoded.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            // chunks: 4-byte big-endian length, 4-byte type, data, 4-byte CRC (PNG specification, section 5.3)
            for (long pos = 8; pos + 8 <= encoded.Length; pos += 12 + BinaryPrimitives.ReadUInt32BigEndian(encoded[(int)pos..]))
                if (encoded.Slice((int)pos + 4, 4).SequenceEqual("IEND"u8)) return null;
            return SkipReason.TruncatedImage;
        }
        if (encoded.Length >= 12 && encoded.StartsWith("RIFF"u8) && encoded.Slice(8, 4).SequenceEqual("WEBP"u8)
            && 8L + BinaryPrimitives.ReadUInt32LittleEndian(encoded[4..]) > encoded.Length)
            return SkipReason.TruncatedImage; // the RIFF header gives the file's length less 8
        return null;
    }

    /// <summary>Resizes and center-crops decoded pixels (any color type Skia draws) into <paramref name="rgb"/>, over the background.</summary>
    public void Fit(SKBitmap source, Span<byte> rgb)
    {
        if (rgb.Length != ImageBytes) throw new ArgumentException($"need {ImageBytes} bytes for one {Size}x{Size} RGB image, got {rgb.Length}", nameof(rgb));
        int side = Math.Min(source.Width, source.Height);
        var crop = SKRect.Create((source.Width - side) / 2f, (source.Height - side) / 2f, side, side);
        using var canvasBitmap = new SKBitmap(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(canvasBitmap))
        using (var image = SKImage.FromBitmap(source))
        {
            canvas.Clear(BackgroundColor);
            canvas.DrawImage(image, crop, SKRect.Create(Size, Size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), null);
        }
        var rgba = canvasBitmap.GetPixelSpan();
        for (int i = 0, o = 0; o < rgb.Length; i += 4, o += 3)
        {
            rgb[o] = rgba[i];
            rgb[o + 1] = rgba[i + 1];
            rgb[o + 2] = rgba[i + 2];
        }
    }
}
