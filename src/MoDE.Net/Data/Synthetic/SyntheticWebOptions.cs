using MoDE.Data;

namespace MoDE.Data.Synthetic;

/// <summary>Options of the built-in synthetic web dataset (<see cref="SyntheticWeb"/>).</summary>
public sealed record SyntheticWebOptions
{
    /// <summary>Training pairs. 24,000 = 400 per class over the 60 classes: enough for small CLIPs to learn.</summary>
    public int Pairs { get; init; } = 24_000;

    /// <summary>Side of the square RGB images, in pixels. 32 as in CIFAR: small models train in minutes.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Share of pairs whose caption does not describe the image; web alt-text carries about 20% noise.</summary>
    public double NoiseShare { get; init; } = 0.2;

    /// <summary>
    /// Images per class in every zero-shot task: 50 gives 600 images per domain task, so one accuracy has a
    /// standard error near 2 points.
    /// </summary>
    public int EvalImagesPerClass { get; init; } = 50;

    /// <summary>Drives every random choice; evaluation images use a stream derived from it, different from training.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Bytes of pixels per image shard, <c>pairs/images/NNNNN.npy</c> (<see cref="ImageSetWriter.DefaultShardBytes"/>: about 1 GiB,
    /// why there). Only how the images are cut into files, not which pairs there are: not part of the stage's identity, so a
    /// finished ingest is not redone for another value and stage markers written before the option existed still match.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long ShardBytes { get; init; } = ImageSetWriter.DefaultShardBytes;

    public void Validate()
    {
        if (Pairs < 1)
            throw new ArgumentOutOfRangeException(nameof(Pairs), Pairs, "need at least one pair");
        if (ImageSize is < 8 or > 1024)
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "image size must be between 8 and 1024 pixels");
        if (double.IsNaN(NoiseShare) || NoiseShare < 0 || NoiseShare > 1)
            throw new ArgumentOutOfRangeException(nameof(NoiseShare), NoiseShare, "noise share must be between 0 and 1");
        if (EvalImagesPerClass < 1)
            throw new ArgumentOutOfRangeException(nameof(EvalImagesPerClass), EvalImagesPerClass, "need at least one evaluation image per class");
        if (ShardBytes < (long)ImageSize * ImageSize * ImageSet.Channels)
            throw new ArgumentOutOfRangeException(nameof(ShardBytes), ShardBytes, $"a shard must hold at least one image ({ImageSize * ImageSize * ImageSet.Channels} bytes at {ImageSize}x{ImageSize})");
    }
}
