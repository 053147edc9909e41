using MoDE.Data;

namespace MoDE.Train;

/// <summary>
/// What one model trains on. <paramref name="Images"/> (stored, or read from the source: Data.Ingest.RunImages) and <paramref name="Tokens"/> (one encoded caption per image)
/// hold the whole pair set; <paramref name="Rows"/> are the pairs this model trains on (a MoDE expert: its cluster's
/// pairs). Each pass over <paramref name="Rows"/> also draws a fresh <paramref name="OutOfClusterRatio"/> share of
/// <paramref name="OutOfClusterRows"/> (MoDE's code: 0.02), redrawn every pass.
/// </summary>
public sealed record TrainingData(IImageRows Images, long[][] Tokens, int[] Rows, int[] OutOfClusterRows, double OutOfClusterRatio)
{
    /// <summary>MoDE's released code mixes in 2% of the out-of-cluster pairs per pass ("slightly better than 0").</summary>
    public const double MoDEOutOfClusterRatio = 0.02;

    /// <summary>Every pair, no out-of-cluster sample: the seed (baseline) model's data.</summary>
    public static TrainingData All(IImageRows images, long[][] tokens) =>
        new(images, tokens, Enumerable.Range(0, images.Count).ToArray(), [], 0);

    /// <summary>Out-of-cluster pairs drawn in each pass.</summary>
    public int OutOfClusterPerPass => PairsPerPassOf(0, OutOfClusterRows.Length, OutOfClusterRatio);

    /// <summary>Pairs in each pass.</summary>
    public int PairsPerPass => PairsPerPassOf(Rows.Length, OutOfClusterRows.Length, OutOfClusterRatio);

    /// <summary>Pairs in each pass of <paramref name="rows"/> own pairs and a <paramref name="ratio"/> share of
    /// <paramref name="outOfCluster"/> pairs outside the cluster (rounded to the nearest).</summary>
    public static int PairsPerPassOf(int rows, int outOfCluster, double ratio) => rows + (int)Math.Round(ratio * outOfCluster);

    /// <summary>Throws, naming the property, when the pieces do not fit together.</summary>
    public TrainingData Validate()
    {
        ArgumentNullException.ThrowIfNull(Images, nameof(Images));
        ArgumentNullException.ThrowIfNull(Tokens, nameof(Tokens));
        ArgumentNullException.ThrowIfNull(Rows, nameof(Rows));
        ArgumentNullException.ThrowIfNull(OutOfClusterRows, nameof(OutOfClusterRows));
        if (Tokens.Length != Images.Count)
            throw new ArgumentException($"{Tokens.Length} token rows for {Images.Count} images", nameof(Tokens));
        foreach (int row in Rows)
            if ((uint)row >= (uint)Images.Count) throw new ArgumentOutOfRangeException(nameof(Rows), row, $"pair index outside 0..{Images.Count - 1}");
        foreach (int row in OutOfClusterRows)
            if ((uint)row >= (uint)Images.Count) throw new ArgumentOutOfRangeException(nameof(OutOfClusterRows), row, $"pair index outside 0..{Images.Count - 1}");
        if (!(OutOfClusterRatio >= 0 && OutOfClusterRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(OutOfClusterRatio), OutOfClusterRatio, "must lie in [0, 1]");
        return this;
    }
}
