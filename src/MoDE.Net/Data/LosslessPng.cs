using SkiaSharp;

namespace MoDE.Data;

/// <summary>Stored pixels (height x width x RGB bytes) as a PNG file's bytes: lossless, so it decodes to the same pixels.
/// The held-out retrieval task's images and the built-in dataset's images in WebDataset shards are written this way.</summary>
public static class LosslessPng
{
    public static byte[] Encode(ReadOnlySpan<byte> rgb, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = bitmap.GetPixelSpan();
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            rgba[o] = rgb[i];
            rgba[o + 1] = rgb[i + 1];
            rgba[o + 2] = rgb[i + 2];
            rgba[o + 3] = 255;
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
