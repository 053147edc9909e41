namespace MoDE.Data;

/// <summary>Image-caption pairs: <see cref="Pairs"/>[i] belongs to image i of <see cref="Images"/>.</summary>
public sealed record PairSet(IReadOnlyList<Pair> Pairs, ImageSet Images)
{
    public int Count => Pairs.Count;
}
