using System.Runtime.InteropServices;

namespace MoDE.Cluster;

/// <summary>
/// The words that characterise each group of captions: TF-IDF with the groups as documents, so a word every
/// group uses scores zero and a word one group uses often scores high. Captions are counted as they stream by
/// (<see cref="Add"/>), so memory grows with the vocabulary of each group, not with the number of captions.
/// </summary>
public sealed class CaptionWords(int groups)
{
    readonly Dictionary<string, int>[] _counts = [.. Enumerable.Range(0, groups).Select(_ => new Dictionary<string, int>(StringComparer.Ordinal))];

    /// <summary>Counts the words of <paramref name="caption"/> for <paramref name="group"/>.</summary>
    public void Add(int group, string caption)
    {
        foreach (string word in Words(caption)) CollectionsMarshal.GetValueRefOrAddDefault(_counts[group], word, out _)++;
    }

    /// <summary>The <paramref name="top"/> words of each group, highest TF-IDF first (ties in ordinal order).</summary>
    public List<List<string>> Characteristic(int top)
    {
        var documentFrequency = _counts.SelectMany(c => c.Keys).GroupBy(w => w).ToDictionary(w => w.Key, w => w.Count());
        return _counts.Select(c =>
        {
            double total = Math.Max(1, c.Values.Sum());
            return c.Select(w => (Word: w.Key, Score: w.Value / total * Math.Log((1.0 + _counts.Length) / (1.0 + documentFrequency[w.Key]))))
                .Where(w => w.Score > 0).OrderByDescending(w => w.Score).ThenBy(w => w.Word, StringComparer.Ordinal)
                .Take(top).Select(w => w.Word).ToList();
        }).ToList();
    }

    static IEnumerable<string> Words(string caption) =>
        caption.ToLowerInvariant().Split((char[])[' ', ',', '.', ':', ';', '!', '?', '"', '\'', '(', ')', '-', '_', '/'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length > 2 && !StopWords.Contains(w));

    static readonly HashSet<string> StopWords = ["the", "and", "with", "for", "this", "that", "from", "are", "its", "was", "has", "have", "jpg", "png"];
}
