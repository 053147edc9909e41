using MoDE.Storage;

namespace MoDE.Train;

/// <summary>
/// CLIP's training augmentation, as open_clip's <c>RandomResizedCrop(image_size, scale=(0.9, 1.0))</c> with
/// torchvision's ratio range (3/4, 4/3): a window covering a random share of the area in [<see cref="MinScale"/>,
/// <see cref="MaxScale"/>] with a log-uniform aspect ratio in [<see cref="MinRatio"/>, <see cref="MaxRatio"/>] (ten tries,
/// then the centred window of the clamped ratio, as torchvision), resized back to the image's size. Works on 8-bit
/// RGB height x width x channel images; the resize is bilinear with half-pixel centres (open_clip uses bicubic; at 32
/// pixels the two differ by less than the crop itself changes). Every random choice comes from one 64-bit
/// <c>seed</c>, so a crop is a pure function of it.
/// </summary>
public sealed record RandomResizedCrop
{
    /// <summary>open_clip's lower scale bound for CLIP training: keep at least 90% of the image.</summary>
    public const double OpenClipMinScale = 0.9;

    public double MinScale { get; init; } = OpenClipMinScale;
    public double MaxScale { get; init; } = 1.0;

    /// <summary>torchvision's default aspect-ratio range, 3/4 to 4/3.</summary>
    public double MinRatio { get; init; } = 3.0 / 4.0;
    public double MaxRatio { get; init; } = 4.0 / 3.0;

    /// <summary>Throws, naming the property, when a field is out of range.</summary>
    public RandomResizedCrop Validate()
    {
        if (!(MinScale > 0 && MinScale <= MaxScale && MaxScale <= 1))
            throw new ArgumentOutOfRangeException(nameof(MinScale), MinScale, $"need 0 < MinScale <= MaxScale ({MaxScale}) <= 1");
        if (!(MinRatio > 0 && MinRatio <= MaxRatio && !double.IsInfinity(MaxRatio)))
            throw new ArgumentOutOfRangeException(nameof(MinRatio), MinRatio, $"need 0 < MinRatio <= MaxRatio ({MaxRatio}), finite");
        return this;
    }

    /// <summary>The crop window (top, left, height, width) drawn from <paramref name="seed"/> in a height x width image.</summary>
    public (int Top, int Left, int Height, int Width) Window(int height, int width, ulong seed)
    {
        var random = new SplitMix64(seed);
        double area = (double)height * width;
        double logMin = Math.Log(MinRatio), logMax = Math.Log(MaxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * Uniform(ref random, MinScale, MaxScale);
            double ratio = Math.Exp(Uniform(ref random, logMin, logMax));
            int w = (int)Math.Round(Math.Sqrt(target * ratio));
            int h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height)
                return (random.Below(height - h + 1), random.Below(width - w + 1), h, w);
        }
        // No window fitted: the centred one with the aspect ratio clamped into range (torchvision's fallback).
        double imageRatio = (double)width / height;
        int cropWidth = width, cropHeight = height;
        if (imageRatio < MinRatio) cropHeight = (int)Math.Round(width / MinRatio);
        else if (imageRatio > MaxRatio) cropWidth = (int)Math.Round(height * MaxRatio);
        return ((height - cropHeight) / 2, (width - cropWidth) / 2, cropHeight, cropWidth);
    }

    /// <summary>Crops <paramref name="image"/> (height x width x 3 bytes) at the window drawn from <paramref name="seed"/>
    /// and resizes it bilinearly into <paramref name="output"/>, of the same size.</summary>
    public void Apply(ReadOnlySpan<byte> image, int height, int width, Span<byte> output, ulong seed)
    {
        const int channels = 3;
        if (image.Length != height * width * channels) throw new ArgumentException($"{image.Length} bytes for a {height}x{width} RGB image", nameof(image));
        if (output.Length != image.Length) throw new ArgumentException($"{output.Length} bytes for a {height}x{width} RGB image", nameof(output));
        var (top, left, h, w) = Window(height, width, seed);
        double scaleY = (double)h / height, scaleX = (double)w / width;
        for (int y = 0; y < height; y++)
        {
            // Half-pixel centres: output pixel y samples crop row (y + 0.5) * scale - 0.5, clamped to the crop.
            double sy = Math.Clamp((y + 0.5) * scaleY - 0.5, 0, h - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, h - 1);
            double fy = sy - y0;
            for (int x = 0; x < width; x++)
            {
                double sx = Math.Clamp((x + 0.5) * scaleX - 0.5, 0, w - 1);
                int x0 = (int)sx, x1 = Math.Min(x0 + 1, w - 1);
                double fx = sx - x0;
                int p00 = ((top + y0) * width + left + x0) * channels, p01 = ((top + y0) * width + left + x1) * channels;
                int p10 = ((top + y1) * width + left + x0) * channels, p11 = ((top + y1) * width + left + x1) * channels;
                int o = (y * width + x) * channels;
                for (int c = 0; c < channels; c++)
                {
                    double v = (1 - fy) * ((1 - fx) * image[p00 + c] + fx * image[p01 + c]) + fy * ((1 - fx) * image[p10 + c] + fx * image[p11 + c]);
                    output[o + c] = (byte)Math.Clamp(Math.Round(v), 0, 255);
                }
            }
        }
    }

    /// <summary>The crop seed of the pair at <paramref name="position"/> in the batch of <paramref name="step"/>.</summary>
    public static ulong Seed(int seed, int step, int position) =>
        SplitMix64.Mix(SplitMix64.Mix(((ulong)(uint)seed << 32 | (uint)step) ^ CropPurpose) + (ulong)position * SplitMix64.Gamma);

    const ulong CropPurpose = 0x43524F50_00000000UL; // "CROP": keeps these streams apart from the data order's

    static double Uniform(ref SplitMix64 random, double low, double high) =>
        low + (high - low) * ((random.Next() >> 11) * (1.0 / (1UL << 53)));
}
