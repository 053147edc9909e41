namespace MoDE.Data.Ingest;

/// <summary>
/// Expands a source pattern into paths, as WebDataset and open_clip write shard lists:
/// <c>data/{00000..00099}.tar</c> (a numeric range; the first bound's width is kept as zero padding),
/// <c>data/{train,val}.tar</c> (alternatives), several braces in one pattern, and <c>*</c> / <c>?</c> in the
/// file-name part (matched in that folder, sorted). Paths come out in pattern order, ranges ascending.
/// </summary>
public static class ShardPattern
{
    /// <summary>Every path the pattern names; wildcard parts only give files that exist, the rest may not exist.</summary>
    public static List<string> Expand(string pattern)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pattern);
        var paths = new List<string>();
        foreach (string path in ExpandBraces(pattern))
        {
            string name = Path.GetFileName(path);
            if (name.IndexOfAny(['*', '?']) < 0) { paths.Add(path); continue; }
            string folder = Path.GetDirectoryName(path) is { Length: > 0 } d ? d : ".";
            if (Directory.Exists(folder))
                paths.AddRange(Directory.GetFiles(folder, name).Order(StringComparer.Ordinal));
        }
        return paths;
    }

    /// <summary>Brace expansion alone, outermost first: "a{1..3}b" gives a1b, a2b, a3b.</summary>
    public static IEnumerable<string> ExpandBraces(string pattern)
    {
        int open = pattern.IndexOf('{');
        if (open < 0) { yield return pattern; yield break; }
        int close = pattern.IndexOf('}', open);
        if (close < 0) throw new ArgumentException($"pattern '{pattern}': '{{' at column {open + 1} is never closed", nameof(pattern));
        string head = pattern[..open], body = pattern[(open + 1)..close], tail = pattern[(close + 1)..];
        foreach (string choice in Choices(pattern, body, open))
            foreach (string rest in ExpandBraces(tail))
                yield return head + choice + rest;
    }

    static IEnumerable<string> Choices(string pattern, string body, int open)
    {
        int dots = body.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0) return body.Split(',');
        string from = body[..dots], to = body[(dots + 2)..];
        if (!long.TryParse(from, out long first) || !long.TryParse(to, out long last) || first > last || from.Length == 0)
            throw new ArgumentException($"pattern '{pattern}': range '{{{body}}}' at column {open + 1} must be {{FIRST..LAST}} with whole numbers, FIRST <= LAST", nameof(pattern));
        int width = from.Length;
        return Enumerable.Range(0, checked((int)(last - first + 1))).Select(i => (first + i).ToString().PadLeft(width, '0'));
    }
}
