using SkiaSharp;

namespace MoDE.Bench;

/// <summary>
/// JPEGs shaped like the images of a web crawl before img2dataset resizes them: sides from 320 to 1280 pixels in
/// mixed aspect ratios, smooth gradients with shapes and mild grain (so they compress like photos, about 10:1). With
/// <c>side</c>, square images of that side, as img2dataset writes them (256 px by default).
/// </summary>
static class PhotoMix
{
    public static List<byte[]> Generate(int count, int seed = 7, int side = 0)
    {
        var random = new Random(seed);
        var images = new List<byte[]>(count);
        for (int i = 0; i < count; i++)
        {
            int width = side > 0 ? side : random.Next(320, 1281), height = side > 0 ? side : Math.Clamp((int)(width * (0.5 + random.NextDouble())), 240, 1280);
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
            using (var canvas = new SKCanvas(bitmap))
            {
                SKColor Color() => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
                using var sky = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [Color(), Color()], SKShaderTileMode.Clamp);
                canvas.DrawRect(0, 0, width, height, new SKPaint { Shader = sky });
                for (int s = 0; s < 12; s++)
                    canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(10, width / 4), new SKPaint { Color = Color().WithAlpha(160), IsAntialias = true });
                using var grain = SKShader.CreatePerlinNoiseFractalNoise(0.8f, 0.8f, 2, random.Next());
                canvas.DrawRect(0, 0, width, height, new SKPaint { Shader = grain, BlendMode = SKBlendMode.Overlay, Color = SKColors.White.WithAlpha(60) });
            }
            using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
            images.Add(data.ToArray());
        }
        return images;
    }
}
