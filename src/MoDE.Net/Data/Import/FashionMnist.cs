using System.Diagnostics;
using System.Runtime.InteropServices;
using MoDE.Data.Ingest;
using MoDE.Data;
using MoDE.Storage;
using SkiaSharp;

namespace MoDE.Data.Import;

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017, MIT; Debian's dataset-fashion-mnist): 28 x 28 grey images of Zalando
/// products in 10 balanced classes, 60,000 training and 10,000 test. Imported two ways:
/// <list type="bullet">
/// <item>a zero-shot task, <c>tasks/fashion-mnist</c>: the test split, the class names, CLIP-style templates;</item>
/// <item>a captioned corpus, the training split: each image's caption is its class name in one of a few
/// wordings, picked with the seed.</item>
/// </list>
/// Images are scaled to the image size (square, so no crop) and made RGB (light product on black, as given).
/// </summary>
public static class FashionMnist
{
    public const string DefaultRoot = "/usr/share/datasets/fashion-mnist";
    public const string TaskName = "fashion-mnist";

    /// <summary>
    /// Label i's name, in words a caption would use. The dataset's own names are T-shirt/top, Trouser, Pullover,
    /// Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot (its README; the package ships no other list).
    /// </summary>
    public static readonly string[] Classes = ["t-shirt", "trousers", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot"];

    /// <summary>Zero-shot prompts, in the style of CLIP's: the photo, its quality, and what kind of thing it is.</summary>
    public static readonly string[] Templates =
    [
        "a photo of a {}.", "a photo of the {}.", "a black and white photo of a {}.", "a low resolution photo of a {}.",
        "a grey photo of a {}.", "a product photo of a {}.", "a photo of a {}, a type of clothing.", "a small photo of a {}.",
    ];

    /// <summary>Wordings of the training captions: different from the prompts, so the task is not its own training text.</summary>
    public static readonly string[] CaptionTemplates =
    [
        "{}", "{} on a black background", "picture of a {}", "fashion item: {}", "grey image of a {} for sale", "catalogue shot, {}",
    ];

    static string File(string root, string split, string kind) => Path.Combine(root, $"{split}-{kind}-ubyte.gz");

    /// <summary>True when the four IDX files are where <paramref name="root"/> says.</summary>
    public static bool IsInstalled(string root = DefaultRoot) =>
        new[] { ("train", "images-idx3"), ("train", "labels-idx1"), ("t10k", "images-idx3"), ("t10k", "labels-idx1") }
            .All(f => System.IO.File.Exists(File(root, f.Item1, f.Item2)));

    /// <summary>The test split as a zero-shot task.</summary>
    public static ZeroShotTask Task(string root, int imageSize, CancellationToken stop = default)
    {
        using var pixels = new MemoryStream();
        var labels = Split(root, "t10k", imageSize, limit: 0, chunk => pixels.Write(chunk), stop);
        return new ZeroShotTask(TaskName, Classes, Templates, new ImageSet(labels.Length, imageSize, imageSize, pixels.ToArray()), labels);
    }

    /// <summary>
    /// The training split (its first <paramref name="limit"/> images, 0 = all) as captioned pairs, their images written to
    /// <paramref name="images"/> (square, of the image size wanted) a chunk at a time as they are decoded; ids are
    /// <c>fashion-mnist/train/INDEX</c>.
    /// </summary>
    public static IReadOnlyList<Pair> Pairs(string root, ImageSetWriter images, int seed, int limit, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Height != images.Width) throw new ArgumentException($"Fashion-MNIST images are square, the writer takes {images.Height}x{images.Width}", nameof(images));
        var labels = Split(root, "train", images.Height, limit, images.AddImages, stop);
        var random = new Random(seed);
        return [.. labels.Select((label, i) => new Pair(
            $"{TaskName}/train/{i:D5}",
            CaptionTemplates[random.Next(CaptionTemplates.Length)].Replace("{}", Classes[label]),
            Domain: TaskName, Label: Classes[label]))];
    }

    /// <summary>
    /// Decodes a split's images, <see cref="ImageSetWriter.ChunkBytes"/> of pixels at a time, handing each chunk (its images
    /// one after another, in file order) to <paramref name="write"/>; returns the labels.
    /// </summary>
    static int[] Split(string root, string split, int imageSize, int limit, Action<ReadOnlySpan<byte>> write, CancellationToken stop)
    {
        string imagesPath = File(root, split, "images-idx3"), labelsPath = File(root, split, "labels-idx1");
        if (!System.IO.File.Exists(imagesPath))
            throw new FileNotFoundException($"{imagesPath} is missing: install Fashion-MNIST with `apt-get install -y dataset-fashion-mnist`", imagesPath);
        var (pixels, count, rows, columns) = IdxFile.ReadImages(imagesPath);
        var labels = IdxFile.ReadLabels(labelsPath);
        if (labels.Length != count) throw new InvalidDataException($"{labelsPath}: {labels.Length} labels for {count} images in {imagesPath}");
        int bad = Array.FindIndex(labels, l => l >= Classes.Length);
        if (bad >= 0) throw new InvalidDataException($"{labelsPath}: record {bad} has label {labels[bad]}, outside 0..{Classes.Length - 1}");
        if (limit > 0) count = Math.Min(count, limit);
        var decoder = new ImageDecoder(imageSize, long.MaxValue, ImageBackground.Black);
        int source = rows * columns, chunk = (int)Math.Clamp(ImageSetWriter.ChunkBytes / decoder.ImageBytes, 1, count);
        var rgb = new byte[(long)chunk * decoder.ImageBytes];
        for (int first = 0; first < count; first += chunk)
        {
            int images = Math.Min(chunk, count - first);
            Parallel.For(0, images, new ParallelOptions { CancellationToken = stop }, () => new SKBitmap(new SKImageInfo(columns, rows, SKColorType.Gray8, SKAlphaType.Opaque)), (i, _, bitmap) =>
            {
                Marshal.Copy(pixels, (first + i) * source, bitmap.GetPixels(), source);
                bitmap.NotifyPixelsChanged();
                decoder.Fit(bitmap, rgb.AsSpan(i * decoder.ImageBytes, decoder.ImageBytes));
                return bitmap;
            }, bitmap => bitmap.Dispose());
            write(rgb.AsSpan(0, images * decoder.ImageBytes));
        }
        return [.. labels.Take(count).Select(l => (int)l)];
    }

    /// <summary>
    /// Writes the task into the run and, unless <see cref="FashionMnistOptions.TaskOnly"/>, the captioned training
    /// pairs as the run's ingest (with its report and done marker). Holds the ingest stage, whose folders it writes;
    /// <paramref name="stop"/> ends the decoding at its next image.
    /// </summary>
    public static void Import(RunLayout run, FashionMnistOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        using var hold = IngestStage.Stage.Hold(run);
        var clock = Stopwatch.StartNew();
        var task = Task(options.Root, options.ImageSize, stop);
        TaskStore.Save(task, run.Task(TaskName));
        log.WriteLine($"import fashion-mnist: zero-shot task of {task.Images.Count} test images, {task.Classes.Count} classes, {task.Templates.Count} templates -> {run.Task(TaskName)}");
        if (options.TaskOnly) return;
        if (IngestStage.Stage.IsDoneWith(run, options)) { log.WriteLine("import fashion-mnist: pairs done already, skipped"); return; }
        IReadOnlyList<Pair> pairs;
        using (var writer = new ImageSetWriter(run.Images, options.ImageSize, options.ImageSize))
        {
            pairs = Pairs(options.Root, writer, options.Seed, options.Pairs, stop);
            writer.Commit();
        }
        PairStore.SaveCaptions(pairs, run.Pairs);
        var report = new IngestReport { Source = options.Root, Format = "fashion-mnist", ImageSize = options.ImageSize, Files = 4, Kept = pairs.Count, Decoded = pairs.Count + task.Images.Count, Threads = Environment.ProcessorCount };
        report.DecodeSeconds = report.Seconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
        report.Save(run.IngestReport);
        IngestStage.Stage.Finish(run, options);
        log.WriteLine($"import fashion-mnist: {pairs.Count} captioned training pairs -> {run.Pairs} in {clock.Elapsed.TotalSeconds:F1} s");
    }
}
