using MoDE.Data;

namespace MoDE.Data.Synthetic;

/// <summary>
/// The built-in stand-in for web image-alt-text data: seeded, deterministic image-caption pairs in several visual
/// domains, with web-like caption noise, and zero-shot tasks (one per domain and one over all classes) drawn from
/// a different random stream than the training pairs.
/// </summary>
public static class SyntheticWeb
{
    public static IReadOnlyList<SyntheticDomain> Domains { get; } =
        [new ShapesDomain(), new CharactersDomain(), new TexturesDomain(), new ScenesDomain(), new ObjectsDomain()];

    /// <summary>Every class of every domain, in domain order: the classes of the "all" task.</summary>
    static readonly (SyntheticDomain Domain, int Class)[] AllClasses =
        [.. Domains.SelectMany(d => Enumerable.Range(0, d.Classes.Count).Select(c => (d, c)))];

    /// <summary>Prompt templates of the "all" task, which mixes every domain.</summary>
    public static IReadOnlyList<string> AllTemplates { get; } =
        ["a photo of a {}.", "a picture of a {}.", "an image of a {}.", "a drawing of a {}.", "a low resolution photo of a {}.", "a small image of a {}."];

    /// <summary>Training pairs in memory; pair i is image i, its id "syn-000123". <paramref name="progress"/> receives pairs done;
    /// <paramref name="stop"/> ends the rendering at its next image.</summary>
    public static PairSet GeneratePairs(SyntheticWebOptions options, IProgress<int>? progress = null, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        long bytes = (long)options.Pairs * options.ImageSize * options.ImageSize * ImageSet.Channels;
        if (bytes > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(options.Pairs), options.Pairs, $"{options.Pairs} images of {options.ImageSize}x{options.ImageSize} do not fit in one array; write them with an ImageSetWriter");
        var pixels = new byte[bytes];
        var pairs = Pairs(options, draw => Rasterizer.RenderAll(options.Pairs, options.ImageSize, pixels, draw, progress, stop));
        return new PairSet(pairs, new ImageSet(options.Pairs, options.ImageSize, options.ImageSize, pixels));
    }

    /// <summary>
    /// The same pairs with their images written to <paramref name="images"/> (of the options' image size) as they are
    /// rendered, at most <paramref name="chunkBytes"/> of pixels at a time (at least one image), so the count is bounded by
    /// the disk, not by memory; the captions stay in memory. <paramref name="stop"/> ends the rendering at its next image.
    /// </summary>
    public static IReadOnlyList<Pair> GeneratePairs(SyntheticWebOptions options, ImageSetWriter images, IProgress<int>? progress = null,
        CancellationToken stop = default, long chunkBytes = ImageSetWriter.ChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(images);
        options.Validate();
        if (images.Height != options.ImageSize || images.Width != options.ImageSize)
            throw new ArgumentException($"the writer takes {images.Height}x{images.Width} images, the options render {options.ImageSize}x{options.ImageSize}", nameof(images));
        int chunkImages = (int)Math.Clamp(chunkBytes / images.ImageBytes, 1, options.Pairs);
        return Pairs(options, draw => Rasterizer.RenderInChunks(options.Pairs, options.ImageSize, chunkImages, draw, images.AddImages, progress, stop));
    }

    /// <summary>
    /// Draws image i with <paramref name="render"/> (which calls the drawing once for every index), its class uniform over
    /// all classes and its clean caption from the same stream; then adds the noise.
    /// </summary>
    static Pair[] Pairs(SyntheticWebOptions options, Action<Action<int, SkiaSharp.SKCanvas>> render)
    {
        int count = options.Pairs;
        var classes = new int[count];
        var captions = new string[count];
        render((i, canvas) =>
        {
            var rng = ItemRandom.For(options.Seed, ItemRandom.Purpose.TrainImage, i);
            int c = rng.Next(AllClasses.Length); // uniform over all classes, whatever the domain sizes
            var (domain, local) = AllClasses[c];
            var look = domain.Draw(canvas, local, rng);
            classes[i] = c;
            captions[i] = AltText.Finish(domain.Caption(local, look, rng), rng);
        });

        // Noise after all clean captions exist, so a noisy pair can borrow another image's caption.
        var pairs = new Pair[count];
        for (int i = 0; i < count; i++)
        {
            var rng = ItemRandom.For(options.Seed, ItemRandom.Purpose.Noise, i);
            string caption = captions[i];
            bool noisy = rng.Chance(options.NoiseShare);
            if (noisy)
                caption = count > 1 && rng.Chance(0.5) ? captions[(i + 1 + rng.Next(count - 1)) % count] : AltText.Noise(rng);
            var (domain, local) = AllClasses[classes[i]];
            pairs[i] = new Pair(PairId(i), caption, domain.Name, domain.Classes[local].Name, noisy);
        }
        return pairs;
    }

    public static string PairId(int index) => $"syn-{index:D6}";

    /// <summary>
    /// One zero-shot task per domain, then "all" over every class. Images are ordered class by class,
    /// <see cref="SyntheticWebOptions.EvalImagesPerClass"/> each, and come from the evaluation stream of the seed.
    /// </summary>
    public static IReadOnlyList<ZeroShotTask> GenerateTasks(SyntheticWebOptions options, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int perClass = options.EvalImagesPerClass, size = options.ImageSize, count = AllClasses.Length * perClass;
        var pixels = new byte[(long)count * size * size * ImageSet.Channels];
        Rasterizer.RenderAll(count, size, pixels, (i, canvas) =>
        {
            var rng = ItemRandom.For(options.Seed, ItemRandom.Purpose.EvalImage, i);
            var (domain, local) = AllClasses[i / perClass];
            domain.Draw(canvas, local, rng);
        }, progress: null, stop);
        var all = new ImageSet(count, size, size, pixels);

        var tasks = new List<ZeroShotTask>();
        int first = 0;
        foreach (var domain in Domains)
        {
            int images = domain.Classes.Count * perClass;
            var slice = pixels.AsSpan(first * perClass * all.ImageBytes, images * all.ImageBytes).ToArray();
            tasks.Add(new ZeroShotTask(domain.Name, [.. domain.Classes.Select(c => c.Name)], domain.Templates,
                new ImageSet(images, size, size, slice), [.. Enumerable.Range(0, images).Select(i => i / perClass)]));
            first += domain.Classes.Count;
        }
        tasks.Add(new ZeroShotTask("all", [.. AllClasses.Select(x => x.Domain.Classes[x.Class].Name)], AllTemplates,
            all, [.. Enumerable.Range(0, count).Select(i => i / perClass)]));
        return tasks;
    }

    /// <summary>
    /// A PNG preview: one row per class (by <see cref="Pair.Label"/>, in domain order; unlabelled pairs share a row),
    /// the first <paramref name="perClass"/> images of each, shown twice their size. Written atomically.
    /// </summary>
    public static void RenderContactSheet(PairSet pairs, string pngPath, int perClass = 10) =>
        RenderContactSheet(pairs.Pairs.Select(p => p.Label), pairs.Images, pngPath, perClass);

    /// <summary>The same sheet from each image's label, in image order, read once (a written set streamed from disk).</summary>
    public static void RenderContactSheet(IEnumerable<string?> labels, ImageSet images, string pngPath, int perClass = 10) =>
        ContactSheet.Write(labels, images, pngPath, perClass, AllClasses.Select(x => x.Domain.Classes[x.Class].Name).ToList());
}
