using System.Text.Json.Serialization;

namespace MoDE.Split;

/// <summary>Options of the expert data split.</summary>
public sealed record SplitOptions
{
    /// <summary>
    /// Share of the out-of-cluster pairs each expert also sees, redrawn every pass (the MoDE code's
    /// <c>ooc_ratio = 0.02</c>, "slightly better than 0").
    /// </summary>
    public double OutOfClusterRatio { get; init; } = 0.02;

    /// <summary>
    /// Overlapping experts, F (0: disjoint experts, as MoDE): a fine cluster whose second-nearest coarse center is
    /// within a factor 1 + F of the distance to its own (<see cref="BoundaryClusters"/>) also feeds that second expert,
    /// which then trains on its pairs as its own. MoDE assigns each fine center to its nearest coarse center, a hard
    /// Voronoi cut through the fine centers; those whose two nearest coarse centers are almost equally far lie near the
    /// cut, where a slightly different coarse fit would have moved them, and their captions are as close to the second
    /// expert's data as to their own. A ratio of distances, unlike a distance threshold, means the same for any caption
    /// encoder's scale. Absent from the stage marker when 0, as before the option existed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double Overlap { get; init; }

    public void Validate()
    {
        if (OutOfClusterRatio is < 0 or > 1 || double.IsNaN(OutOfClusterRatio))
            throw new ArgumentOutOfRangeException(nameof(OutOfClusterRatio), OutOfClusterRatio, "must be within [0, 1]");
        if (!(Overlap >= 0 && double.IsFinite(Overlap)))
            throw new ArgumentOutOfRangeException(nameof(Overlap), Overlap, "must be 0 (disjoint experts) or a finite positive factor");
    }
}
