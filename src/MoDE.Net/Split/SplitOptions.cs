namespace MoDE.Split;

/// <summary>Options of the expert data split.</summary>
public sealed record SplitOptions
{
    /// <summary>
    /// Share of the out-of-cluster pairs each expert also sees, redrawn every pass (the MoDE code's
    /// <c>ooc_ratio = 0.02</c>, "slightly better than 0").
    /// </summary>
    public double OutOfClusterRatio { get; init; } = 0.02;

    public void Validate()
    {
        if (OutOfClusterRatio is < 0 or > 1 || double.IsNaN(OutOfClusterRatio))
            throw new ArgumentOutOfRangeException(nameof(OutOfClusterRatio), OutOfClusterRatio, "must be within [0, 1]");
    }
}
