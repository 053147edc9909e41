using MoDE.Data;
using SkiaSharp;

namespace MoDE.Eval;

/// <summary>
/// Image files (PNG, JPEG, WebP, GIF, BMP: whatever SkiaSharp decodes) to an <see cref="ImageSet"/> at a model's
/// image size, preprocessed as CLIP does: the shorter side resized to the size, then the center square cropped.
/// Transparent pixels are composed over white; mipmaps keep large downscales free of aliasing.
/// </summary>
public static class ImageFiles
{
    public static ImageSet Load(IReadOnlyList<string> paths, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(size));
        int imageBytes = size * size * ImageSet.Channels;
        var pixels = new byte[(long)paths.Count * imageBytes];
        Parallel.For(0, paths.Count, i => Decode(paths[i], size).CopyTo(pixels.AsSpan(i * imageBytes, imageBytes)));
        return new ImageSet(paths.Count, size, size, pixels);
    }

    /// <summary>One file as size x size x RGB bytes.</summary>
    public static byte[] Decode(string path, int size)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: image file not found", path);
        using var source = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path}: not an image SkiaSharp can decode");
        int side = Math.Min(source.Width, source.Height);
        var crop = SKRect.Create((source.Width - side) / 2f, (source.Height - side) / 2f, side, side);
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var target = new SKBitmap(info);
        using (var canvas = new SKCanvas(target))
        using (var image = SKImage.FromBitmap(source))
        using (var paint = new SKPaint())
        {
            canvas.Clear(SKColors.White);
            canvas.DrawImage(image, crop, SKRect.Create(0, 0, size, size), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
        }
        var rgba = target.GetPixelSpan();
        var rgb = new byte[size * size * ImageSet.Channels];
        for (int p = 0; p < size * size; p++)
        {
            rgb[p * 3] = rgba[p * 4];
            rgb[p * 3 + 1] = rgba[p * 4 + 1];
            rgb[p * 3 + 2] = rgba[p * 4 + 2];
        }
        return rgb;
    }
}
