using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Eval;
using MoDE.Storage;
using SkiaSharp;

namespace MoDE.Tests.Data;

/// <summary>
/// Your data brings no tasks: the ingest holds a seeded share of its images out of training as the retrieval task
/// tasks/held-out, every caption of a held-out image with it, and no copy of a held-out image left to train on.
/// </summary>
public sealed class HeldOutSplitTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("mode-held-out").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>
    /// A CSV manifest of <paramref name="count"/> built-in web pairs (images as PNG files), keyless, with the first
    /// <paramref name="repeated"/> images named again under a second caption and one image copied byte for byte under
    /// another name: the corpus a user brings. Returns the manifest's path and its rows.
    /// </summary>
    internal static (string Manifest, int Rows) WriteManifest(string folder, int count, int repeated = 0, int seed = 5)
    {
        var pairs = SyntheticWeb.GeneratePairs(new SyntheticWebOptions { Pairs = count, Seed = seed });
        Directory.CreateDirectory(Path.Combine(folder, "images"));
        var lines = new List<string> { "image_path,caption" };
        for (int i = 0; i < pairs.Count; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, "images", $"{i:D4}.png"), Png(pairs.Images.Image(i), pairs.Images.Width));
            lines.Add(DelimitedText.Line([$"images/{i:D4}.png", pairs.Pairs[i].Caption], ','));
        }
        for (int i = 0; i < repeated; i++) lines.Add(DelimitedText.Line([$"images/{i:D4}.png", $"another caption of picture {i}"], ','));
        if (repeated > 0)
        {
            File.Copy(Path.Combine(folder, "images", "0000.png"), Path.Combine(folder, "images", "copy.png"));
            lines.Add("images/copy.png,a copy of the first picture");
        }
        string manifest = Path.Combine(folder, "list.csv");
        File.WriteAllLines(manifest, lines);
        return (manifest, lines.Count - 1);
    }

    static byte[] Png(ReadOnlySpan<byte> rgb, int side)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = bitmap.GetPixelSpan();
        for (int p = 0; p < side * side; p++) { rgba[4 * p] = rgb[3 * p]; rgba[4 * p + 1] = rgb[3 * p + 1]; rgba[4 * p + 2] = rgb[3 * p + 2]; rgba[4 * p + 3] = 255; }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    static List<byte[]> Rows(ImageSet images) => [.. Enumerable.Range(0, images.Count).Select(i => images.Image(i).ToArray())];

    [Fact]
    [Trait("Hostile", "class9")]
    public void AShareOfTheImagesIsHeldOutWithAllItsCaptionsAndNoCopyIsTrainedOn()
    {
        var (manifest, rows) = WriteManifest(Path.Combine(root, "source"), 250, repeated: 60);
        var options = new SourceOptions { Source = manifest };
        var all = new RunLayout(Path.Combine(root, "all"));
        IngestStage.Run(all, options with { HeldOut = 0 }, TextWriter.Null);
        var everything = PairStore.Load(all.Pairs, all.Images);
        Assert.Equal(rows, everything.Count);

        var run = new RunLayout(Path.Combine(root, "run"));
        var log = new StringWriter();
        var report = IngestStage.Run(run, options, log)!;
        Assert.Equal(100, HeldOutSplit.Sample(rows, options)); // 1% of 311 is 4; the minimum is 100
        var training = PairStore.Load(run.Pairs, run.Images);
        var task = Assert.IsType<RetrievalTask>(TaskFolder.Load(run.Task(HeldOutSplit.TaskName), 32));

        // Pixel-identical images are one: 100 rows drawn give at most 100 images, and their repeats follow them.
        Assert.InRange(task.Images.Count, 90, 100);
        Assert.Equal((report.HeldOutImages, report.HeldOut), (task.Images.Count, task.Captions.Count));
        Assert.Equal(rows, report.Kept + report.HeldOut);
        Assert.Equal(report.Kept, training.Count);
        Assert.Contains($"{task.Images.Count} images ({task.Captions.Count} pairs) held out", log.ToString());

        // Every pair is on one side, and no held-out image (or a copy of it) is among the training images.
        Assert.Equal(everything.Pairs.Select(p => p.Caption).Order(), training.Pairs.Select(p => p.Caption).Concat(task.Captions).Order());
        var held = Rows(task.Images);
        Assert.DoesNotContain(Rows(training.Images), image => held.Any(h => h.AsSpan().SequenceEqual(image)));
        // The task's PNGs decode, through evaluation's decoder, to exactly the pixels the ingest made.
        var ingested = Rows(everything.Images);
        Assert.All(held, h => Assert.Contains(ingested, image => image.AsSpan().SequenceEqual(h)));
        // Each image's captions all went with it: as many captions per held-out image as rows showing it.
        for (int i = 0; i < held.Count; i++)
            Assert.Equal(ingested.Count(image => image.AsSpan().SequenceEqual(held[i])), task.ImageOfCaption.Count(c => c == i));
        Assert.Contains("held out of training", task.Description);

        // The same seed draws the same split; another seed another.
        var again = new RunLayout(Path.Combine(root, "again"));
        IngestStage.Run(again, options, TextWriter.Null);
        Assert.Equal(ImageSetBytes.Files(run.Images), ImageSetBytes.Files(again.Images));
        Assert.Equal(File.ReadAllText(Path.Combine(run.Task(HeldOutSplit.TaskName), TaskFolder.PairsFile)),
                     File.ReadAllText(Path.Combine(again.Task(HeldOutSplit.TaskName), TaskFolder.PairsFile)));
        var other = new RunLayout(Path.Combine(root, "other"));
        IngestStage.Run(other, options with { Seed = 2 }, TextWriter.Null);
        Assert.NotEqual(ImageSetBytes.Files(run.Images), ImageSetBytes.Files(other.Images));
    }

    [Theory]
    [Trait("Hostile", "class9")]
    [InlineData(199, 0.01, 0)] // fewer than twice the minimum: none
    [InlineData(200, 0.01, 100)]
    [InlineData(50_000, 0.01, 500)]
    [InlineData(1_000_000, 0.01, 1000)] // capped
    [InlineData(1_000_000, 0, 0)] // turned off
    public void HowManyAreHeldOut(int pairs, double share, int heldOut) =>
        Assert.Equal(heldOut, HeldOutSplit.Sample(pairs, new SourceOptions { Source = "x", HeldOut = share }));

    [Fact]
    [Trait("Hostile", "class9")]
    public void ACorpusTooSmallToSplitKeepsEveryPairAndSaysTheRunNeedsTasks()
    {
        var (manifest, rows) = WriteManifest(Path.Combine(root, "small"), 120);
        var run = new RunLayout(Path.Combine(root, "small-run"));
        var log = new StringWriter();
        Assert.Equal(rows, IngestStage.Run(run, new SourceOptions { Source = manifest }, log)!.Kept);
        Assert.Contains("no images held out for evaluation (120 pairs, fewer than 200)", log.ToString());
        Assert.Empty(Directory.GetDirectories(run.TasksFolder));
    }
}
