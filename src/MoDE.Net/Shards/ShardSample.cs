namespace MoDE.Shards;

/// <summary>
/// One sample of a shard set: the run's pair <paramref name="Row"/> and, in a data expert's set, the training pass it belongs to
/// (<paramref name="Pass"/>; -1 in the all-data set, which holds each pair once).
/// </summary>
public readonly record struct ShardSample(int Row, int Pass)
{
    /// <summary>
    /// The sample's WebDataset key: the pair id with every UTF-8 byte outside <c>A-Z a-z 0-9 -</c> written as <c>%XX</c> (so the key
    /// has no '.', which webdataset reads as the end of a key, and no '/'), then <c>_p</c> and the pass in an expert's set. The id is
    /// the key up to <c>_p</c>, percent-decoded.
    /// </summary>
    public string Key(string id)
    {
        var key = new System.Text.StringBuilder(id.Length + 8);
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(id))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b == '-') key.Append((char)b);
            else key.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        if (Pass >= 0) key.Append("_p").Append(Pass.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return key.ToString();
    }
}
