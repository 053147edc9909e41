namespace MoDE.Cluster;

/// <summary>
/// The words that characterise each group of captions: TF-IDF with the groups as documents, so a word every
/// group uses scores zero and a word one group uses often scores high.
/// </summary>
public static class CaptionWords
{
    public static List<List<string>> Characteristic(IReadOnlyList<IEnumerable<string>> groups, int top)
    {
        var counts = groups.Select(g => g.SelectMany(Words).GroupBy(w => w).ToDictionary(w => w.Key, w => w.Count())).ToList();
        var documentFrequency = counts.SelectMany(c => c.Keys).GroupBy(w => w).ToDictionary(w => w.Key, w => w.Count());
        return counts.Select(c =>
        {
            double total = Math.Max(1, c.Values.Sum());
            return c.Select(w => (Word: w.Key, Score: w.Value / total * Math.Log((1.0 + groups.Count) / (1.0 + documentFrequency[w.Key]))))
                .Where(w => w.Score > 0).OrderByDescending(w => w.Score).ThenBy(w => w.Word, StringComparer.Ordinal)
                .Take(top).Select(w => w.Word).ToList();
        }).ToList();
    }

    static IEnumerable<string> Words(string caption) =>
        caption.ToLowerInvariant().Split((char[])[' ', ',', '.', ':', ';', '!', '?', '"', '\'', '(', ')', '-', '_', '/'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w.Length > 2 && !StopWords.Contains(w));

    static readonly HashSet<string> StopWords = ["the", "and", "with", "for", "this", "that", "from", "are", "its", "was", "has", "have", "jpg", "png"];
}
