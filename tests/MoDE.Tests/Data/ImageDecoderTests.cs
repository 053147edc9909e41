using MoDE.Data.Ingest;
using MoDE.Storage;
using SkiaSharp;
using Xunit;

namespace MoDE.Tests.Data;

public class ImageDecoderTests
{
    /// <summary>A wide image, red | green | blue in thirds.</summary>
    static byte[] Thirds(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Green);
            canvas.DrawRect(0, 0, width / 3f, height, new SKPaint { Color = SKColors.Red });
            canvas.DrawRect(2 * width / 3f, 0, width / 3f, height, new SKPaint { Color = SKColors.Blue });
        }
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    public void ShorterSideToTheSizeThenTheCenterSquare(SKEncodedImageFormat format)
    {
        var decoder = new ImageDecoder(16, 1_000_000, ImageBackground.White);
        var rgb = new byte[decoder.ImageBytes];
        Assert.Null(decoder.Decode(Thirds(1200, 400, format), rgb)); // the center square is the green third
        for (int i = 0; i < rgb.Length; i += 3)
            Assert.True(rgb[i] < 40 && rgb[i + 1] > 90 && rgb[i + 2] < 40, $"pixel {i / 3} is ({rgb[i]}, {rgb[i + 1]}, {rgb[i + 2]}), expected green");
    }

    [Fact]
    [Trait("Hostile", "class2")]
    public void TransparencyBecomesTheChosenBackgroundAndThePixelLimitComesFromTheHeader()
    {
        var clear = TestImages.Solid(new SKColor(0, 0, 0, 0), format: SKEncodedImageFormat.Png);
        var rgb = new byte[8 * 8 * 3];
        Assert.Null(new ImageDecoder(8, 10_000, ImageBackground.Black).Decode(clear, rgb));
        Assert.All(rgb, v => Assert.Equal(0, v));
        Assert.Null(new ImageDecoder(8, 10_000, ImageBackground.White).Decode(clear, rgb));
        Assert.All(rgb, v => Assert.Equal(255, v));
        Assert.Equal(SkipReason.TooManyPixels, new ImageDecoder(8, 64 * 48 - 1, ImageBackground.White).Decode(clear, rgb));
    }

    [Fact]
    public void TheOutputDoesNotDependOnTheNumberOfThreads()
    {
        string folder = Directory.CreateTempSubdirectory("mode-threads").FullName;
        string images = Path.Combine(folder, "images");
        Directory.CreateDirectory(images);
        for (int i = 0; i < 40; i++)
        {
            File.WriteAllBytes(Path.Combine(images, $"{i:D3}.jpg"), TestImages.Noise(90 + i, 70, seed: i));
            File.WriteAllText(Path.Combine(images, $"{i:D3}.txt"), $"picture {i}");
        }
        byte[] Ingest(int threads)
        {
            var run = new RunLayout(Path.Combine(folder, $"run{threads}"));
            IngestStage.Run(run, new SourceOptions { Source = images, Threads = threads }, TextWriter.Null);
            Assert.Equal("ingest: done already, skipped", Rerun(run, threads + 1)); // threads are not part of the stage's options
            return [.. ImageSetBytes.Files(run.Images), .. File.ReadAllBytes(run.Pairs)];
        }
        string Rerun(RunLayout run, int threads)
        {
            var log = new StringWriter();
            IngestStage.Run(run, new SourceOptions { Source = images, Threads = threads }, log);
            return log.ToString().Trim();
        }
        Assert.Equal(Ingest(1), Ingest(2));
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData(32, 32, null)]
    [InlineData(33, 32, SkipReason.TooManyScans)]
    [InlineData(11, 10, SkipReason.TooManyScans)]
    [InlineData(3000, 32, SkipReason.TooManyScans)]
    public void AJpegWithMoreScansThanTheLimitIsRefusedBeforeAnyScanIsDecoded(int scans, int limit, SkipReason? expected)
    {
        var decoder = new ImageDecoder(8, 1_000_000, ImageBackground.White, limit);
        var rgb = new byte[decoder.ImageBytes];
        var jpeg = TestImages.ManyScanJpeg(256, 256, scans);
        Assert.Equal(expected, decoder.Decode(jpeg, rgb));
        Assert.Equal(expected, JpegStream.Check(jpeg, limit, 1_000_000));
        if (expected is null) Assert.All(rgb, v => Assert.InRange(v, 120, 136)); // zero coefficients: mid grey
        Assert.Equal(SourceOptions.DefaultMaxJpegScans, ImageDecoder.For(new SourceOptions { Source = "x" }).MaxJpegScans);
    }

    /// <summary>A noise image of every format the decoder reads (the JPEG ones in both of libjpeg-turbo's modes).</summary>
    static byte[] Encoded(string format)
    {
        byte[] Skia(SKEncodedImageFormat f, int quality)
        {
            using var bitmap = SKBitmap.Decode(TestImages.Noise(256, 192, seed: 7));
            using var data = bitmap.Encode(f, quality);
            return data.ToArray();
        }
        return format switch
        {
            "jpeg" => TestImages.Noise(256, 192, seed: 7),
            "jpeg progressive" => TestImages.Jpegtran(TestImages.Noise(256, 192, seed: 7), "-progressive"),
            "jpeg restart" => TestImages.Jpegtran(TestImages.Noise(256, 192, seed: 7), "-restart", "1"),
            "jpeg progressive restart" => TestImages.Jpegtran(TestImages.Noise(256, 192, seed: 7), "-progressive", "-restart", "2"),
            "png" => Skia(SKEncodedImageFormat.Png, 100),
            "png interlaced" => TestImages.InterlacedPng(128, 96, seed: 7),
            "webp" => Skia(SKEncodedImageFormat.Webp, 80),
            "webp lossless" => Skia(SKEncodedImageFormat.Webp, 100),
            "gif" => TestImages.Gif(200, 150, seed: 7),
            _ => throw new ArgumentException(format),
        };
    }

    public static TheoryData<string, int, bool> Cuts()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string format in (string[])["jpeg", "jpeg progressive", "jpeg restart", "jpeg progressive restart", "png", "png interlaced", "webp", "webp lossless", "gif"])
            foreach (int permille in (int[])[100, 300, 500, 700, 900, 990, 999])
            {
                data.Add(format, permille, false);
                if (format.StartsWith("jpeg")) data.Add(format, permille, true); // cut, then given an end marker
            }
        return data;
    }

    [Theory]
    [Trait("Hostile", "class3")]
    [MemberData(nameof(Cuts))]
    public void AnImageCutShortIsTruncatedNeverPadded(string format, int permille, bool endMarker)
    {
        var decoder = new ImageDecoder(16, 1_000_000, ImageBackground.White);
        var rgb = new byte[decoder.ImageBytes];
        byte[] whole = Encoded(format);
        Assert.Null(decoder.Decode(whole, rgb));
        byte[] cut = whole[..(int)(whole.LongLength * permille / 1000)];
        if (endMarker) cut = [.. cut, 0xFF, 0xD9];
        Assert.Equal(SkipReason.TruncatedImage, decoder.Decode(cut, rgb));
    }
}
