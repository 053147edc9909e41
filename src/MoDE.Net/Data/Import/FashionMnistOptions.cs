namespace MoDE.Data.Import;

/// <summary>Options of the Fashion-MNIST import (<see cref="FashionMnist"/>).</summary>
public sealed record FashionMnistOptions
{
    /// <summary>Where Debian's dataset-fashion-mnist installs the four IDX files.</summary>
    public string Root { get; init; } = FashionMnist.DefaultRoot;

    /// <summary>Side of the square images: the 28 x 28 originals are scaled to it. 32 as the built-in dataset.</summary>
    public int ImageSize { get; init; } = 32;

    /// <summary>Captioned training pairs taken from the 60,000 of the training split, in order (0: all).</summary>
    public int Pairs { get; init; }

    /// <summary>Only the zero-shot task (the test split): for evaluating models trained on another corpus.</summary>
    public bool TaskOnly { get; init; }

    /// <summary>Picks each training image's caption wording.</summary>
    public int Seed { get; init; } = 1;

    public void Validate()
    {
        if (ImageSize is < 8 or > 1024) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "image size must be between 8 and 1024 pixels");
        if (Pairs < 0) throw new ArgumentOutOfRangeException(nameof(Pairs), Pairs, "must be 0 (all) or more");
    }
}
