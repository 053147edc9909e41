namespace MoDE.Embed;

/// <summary>
/// One task's share of the embed stage's chunks, written <c>i/N</c>: chunk c belongs to task c mod N. Tasks of
/// one job array each compute only their chunks; a last plain <c>mode embed</c> finds them all and concatenates.
/// </summary>
public sealed record EmbedShard(int Index, int Count)
{
    /// <summary>Parses <c>i/N</c> with 0 &lt;= i &lt; N.</summary>
    public static EmbedShard Parse(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int i) || !int.TryParse(parts[1], out int n) || n < 1 || i < 0 || i >= n)
            throw new ArgumentException($"'{text}' is not a chunk share i/N with 0 <= i < N", nameof(text));
        return new EmbedShard(i, n);
    }

    public bool Owns(int chunk) => chunk % Count == Index;

    public override string ToString() => $"{Index}/{Count}";
}
