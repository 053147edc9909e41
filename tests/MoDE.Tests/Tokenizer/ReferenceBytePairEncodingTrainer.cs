using MoDE.Tokenizer;

namespace MoDE.Tests.Tokenizer;

/// <summary>
/// The straightforward BPE trainer, kept as the reference that <see cref="BytePairEncodingTrainer"/> must reproduce merge
/// for merge: the same rules (byte symbols, "&lt;/w&gt;" on the last, most frequent pair first, ties to the ordinally
/// smallest pair, each word merged from left to right), but every merge rescans the whole pair table for the best pair
/// and recounts every word that holds the pair from scratch, deleting symbols one by one: quadratic in a word's length.
/// Also run by bench/MoDE.Bench (bpe) as the "before".
/// </summary>
public static class ReferenceBytePairEncodingTrainer
{
    public static IReadOnlyList<(string Left, string Right)> Learn(IReadOnlyDictionary<string, long> wordCounts, int newTokens, long minPairCount = 2)
    {
        var words = new List<List<string>>();
        var counts = new List<long>();
        foreach (var (word, count) in wordCounts.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (word.Length == 0 || count < 1) continue;
            var symbols = ByteAlphabet.Encode(word).Select(c => c.ToString()).ToList();
            symbols[^1] += BytePairEncodingTrainer.EndOfWord;
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
