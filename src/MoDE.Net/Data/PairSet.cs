namespace MoDE.Data;

/// <summary>Image-caption pairs: <see cref="Pairs"/>[i] belongs to image i of <see cref="Images"/>. Dispose unmaps the images.</summary>
public sealed record PairSet(IReadOnlyList<Pair> Pairs, ImageSet Images) : IDisposable
{
    public int Count => Pairs.Count;

    public void Dispose() => Images.Dispose();
}
