using MoDE.Storage;

namespace MoDE.Data.Ingest;

/// <summary>
/// The evaluation set of a run on the user's own data, which brings no tasks: a seeded sample of the ingested images,
/// with every caption they have, moved out of the training pairs into the retrieval task <c>tasks/held-out</c>
/// (<see cref="TaskStore.SaveRetrieval"/>: pairs.csv and the images as PNG at the training size, lossless), so the eval
/// stage scores image->text and text->image recall on pairs no model was trained on. Pixel-identical images (one
/// image under several captions, exact duplicates across shards) are one image: held out, or kept, together, so no
/// copy of a test image is trained on. How many: <see cref="SourceOptions.HeldOut"/> of the pairs, within
/// [<see cref="SourceOptions.HeldOutMin"/>, <see cref="SourceOptions.HeldOutMax"/>] (<see cref="Sample"/>). The images
/// may be stored or read from the source (<see cref="RunImages"/>); the rest stay of the same kind.
/// </summary>
public static class HeldOutSplit
{
    public const string TaskName = "held-out";

    /// <summary>Mixed into the seed, so the sample is independent of the other random choices seeded by the source's seed.</summary>
    const ulong Purpose = 0x48454C444F5554; // "HELDOUT"

    /// <summary>
    /// How many pairs to draw for <paramref name="pairs"/> ingested pairs: <see cref="SourceOptions.HeldOut"/> of them within
    /// [<see cref="SourceOptions.HeldOutMin"/>, <see cref="SourceOptions.HeldOutMax"/>]; none from fewer than twice the
    /// minimum, too few to train on and to measure with.
    /// </summary>
    public static int Sample(int pairs, SourceOptions options) =>
        options.HeldOut <= 0 || pairs < 2L * options.HeldOutMin ? 0 : Math.Clamp((int)Math.Ceiling(pairs * options.HeldOut), options.HeldOutMin, options.HeldOutMax);

    /// <summary>
    /// Splits the pairs the ingest wrote (<see cref="RunLayout.Pairs"/>, <see cref="RunLayout.Images"/>): the held-out
    /// images into the task folder, the rest back in place. Returns the images and the pairs held out (0, 0 when the
    /// corpus is too small or <see cref="SourceOptions.HeldOut"/> is 0). <paramref name="stop"/> ends it before anything
    /// is replaced (the ingest stage is then unfinished, and a rerun ingests again).
    /// </summary>
    public static (int Images, int Pairs) Apply(RunLayout run, SourceOptions options, CancellationToken stop = default)
    {
        var pairs = PairStore.ReadCaptions(run.Pairs);
        int draw = Sample(pairs.Count, options);
        if (draw == 0) return (0, 0);

        var held = new Dictionary<byte[], int>(PixelsComparer.Instance); // pixels -> image index in the task
        var heldHashes = new HashSet<ulong>();
        var images = new List<byte[]>();
        var kept = new List<Pair>(pairs.Count);
        var keptRows = new List<int>(pairs.Count);
        var captions = new List<(int Image, string Caption)>();
        using var input = RunImages.Open(run.Images);
        PairStore.RequireImagePerPair(pairs.Count, input, run.Pairs, run.Images);
        foreach (int row in Rows(pairs.Count, draw, options.Seed))
        {
            var pixels = new byte[input.ImageBytes];
            input.CopyImages([row], pixels);
            if (held.TryAdd(pixels, images.Count)) images.Add(pixels);
            heldHashes.Add(input.PixelHash(row));
        }

        // The pixel hash finds the candidates without decoding every image again (PixelStore.Source); the pixels decide.
        var image = new byte[input.ImageBytes];
        for (int i = 0; i < pairs.Count; i++)
        {
            if (i % 4096 == 0) stop.ThrowIfCancellationRequested();
            if (heldHashes.Contains(input.PixelHash(i)))
            {
                input.CopyImages([i], image);
                if (held.TryGetValue(image, out int index)) { captions.Add((index, pairs[i].Caption)); continue; }
            }
            keptRows.Add(i);
            kept.Add(pairs[i]);
        }
        var (width, height) = (input.Width, input.Height);
        if (kept.Count == 0)
            throw new InvalidDataException($"{run.Images}: every pair shows one of the {images.Count} images drawn for the held-out set, so none is left to train on (ingest with --held-out 0)");
        TaskStore.SaveRetrieval(run.Task(TaskName), TaskName, Description(images.Count, captions.Count, options), Encode(images, width, height), "png", captions);
        PairStore.SaveCaptions(kept, run.Pairs);
        input.SaveRows(keptRows, run.Images, options.ShardBytes);
        return (images.Count, captions.Count);
    }

    /// <summary>What the task is, as the results and the report say it.</summary>
    public static string Description(int images, int pairs, SourceOptions options) =>
        FormattableString.Invariant($"image-text retrieval on {images} images ({pairs} pairs) of your own data, held out of training at ingest (share {options.HeldOut}, seed {options.Seed}): no model trained on them");

    /// <summary>The rows drawn: <paramref name="draw"/> distinct rows of <paramref name="count"/> (Floyd's sampling), ascending.</summary>
    static List<int> Rows(int count, int draw, int seed)
    {
        var random = new SplitMix64(SplitMix64.Mix((ulong)(uint)seed ^ Purpose));
        var rows = new HashSet<int>();
        for (int j = count - draw; j < count; j++)
        {
            int t = random.Below(j + 1);
            rows.Add(rows.Contains(t) ? j : t);
        }
        return [.. rows.Order()];
    }

    /// <summary>RGB images (height x width x 3 bytes each) as PNG files' bytes, lossless (<see cref="LosslessPng"/>).</summary>
    public static List<byte[]> Encode(IReadOnlyList<byte[]> images, int width, int height) =>
        [.. images.Select(rgb => LosslessPng.Encode(rgb, width, height))];

    /// <summary>Images compared by their pixels.</summary>
    sealed class PixelsComparer : IEqualityComparer<byte[]>
    {
        public static readonly PixelsComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] pixels)
        {
            var hash = new HashCode();
            hash.AddBytes(pixels);
            return hash.ToHashCode();
        }
    }
}
