namespace MoDE.Tokenizer;

/// <summary>
/// Learns byte-level BPE merges with CLIP's conventions (Sennrich et al., 2016): every word starts as its UTF-8 bytes in
/// <see cref="ByteAlphabet"/> characters, the last one marked with the end-of-word suffix "&lt;/w&gt;"; then, again and
/// again, the adjacent pair of symbols that occurs most often in the corpus (words weighted by their counts) is merged
/// into one new symbol. Deterministic: ties go to the ordinally smallest (left, right) pair, so the same word counts
/// always give the same merges.
/// </summary>
public static class BytePairEncodingTrainer
{
    /// <summary>The end-of-word suffix CLIP appends to a word's last symbol.</summary>
    public const string EndOfWord = "</w>";

    /// <summary>
    /// Merges, in the order learnt, until <paramref name="newTokens"/> distinct new symbols exist or no pair occurs at
    /// least <paramref name="minPairCount"/> times (default 2: a pair seen once would give a token that serves a single
    /// word of the corpus).
    /// </summary>
    public static IReadOnlyList<(string Left, string Right)> Learn(IReadOnlyDictionary<string, long> wordCounts, int newTokens, long minPairCount = 2)
    {
        ArgumentNullException.ThrowIfNull(wordCounts);
        ArgumentOutOfRangeException.ThrowIfNegative(newTokens, nameof(newTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(minPairCount, 1, nameof(minPairCount));

        var words = new List<List<string>>();
        var counts = new List<long>();
        foreach (var (word, count) in wordCounts.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (word.Length == 0 || count < 1) continue;
            var symbols = ByteAlphabet.Encode(word).Select(c => c.ToString()).ToList();
            symbols[^1] += EndOfWord;
            words.Add(symbols);
            counts.Add(count);
        }

        var pairCounts = new Dictionary<(string, string), long>();
        var pairWords = new Dictionary<(string, string), HashSet<int>>(); // may list words that lost the pair since
        void Count(int w, int sign)
        {
            var symbols = words[w];
            for (int i = 0; i + 1 < symbols.Count; i++)
            {
                var pair = (symbols[i], symbols[i + 1]);
                long total = pairCounts.GetValueOrDefault(pair) + sign * counts[w];
                if (total == 0) pairCounts.Remove(pair); else pairCounts[pair] = total;
                if (sign > 0)
                {
                    if (!pairWords.TryGetValue(pair, out var set)) pairWords[pair] = set = [];
                    set.Add(w);
                }
            }
        }
        for (int w = 0; w < words.Count; w++) Count(w, +1);

        var merges = new List<(string, string)>();
        var created = new HashSet<string>(StringComparer.Ordinal);
        while (created.Count < newTokens)
        {
            (string Left, string Right) best = default;
            long bestCount = 0;
            foreach (var (pair, count) in pairCounts)
                if (count > bestCount || count == bestCount && Compare(pair, best) < 0) (best, bestCount) = (pair, count);
            if (bestCount < minPairCount) break;

            merges.Add(best);
            string merged = best.Left + best.Right;
            created.Add(merged);
            foreach (int w in pairWords[best].Order().ToArray())
            {
                var symbols = words[w];
                Count(w, -1);
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == best.Left && symbols[i + 1] == best.Right)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                Count(w, +1);
            }
            pairWords.Remove(best);
        }
        return merges;
    }

    static int Compare((string Left, string Right) a, (string Left, string Right) b)
    {
        int left = string.CompareOrdinal(a.Left, b.Left);
        return left != 0 ? left : string.CompareOrdinal(a.Right, b.Right);
    }
}
