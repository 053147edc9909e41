using System.Runtime.InteropServices;

namespace MoDE.Tokenizer;

/// <summary>
/// Learns byte-level BPE merges with CLIP's conventions (Sennrich et al., 2016): every word starts as its UTF-8 bytes in
/// <see cref="ByteAlphabet"/> characters, the last one marked with the end-of-word suffix "&lt;/w&gt;"; then, again and
/// again, the adjacent pair of symbols that occurs most often in the corpus (words weighted by their counts) is merged
/// into one new symbol, in each word from left to right ("aaa" becomes "aa a"). Deterministic: ties go to the ordinally
/// smallest (left, right) pair, so the same word counts always give the same merges.
/// <para>The work is linear in the corpus's bytes (times a logarithm), however long a word. As in subword-nmt's
/// learn_bpe.py and Hugging Face tokenizers' BpeTrainer, pair counts are kept up to date incrementally; as in the latter,
/// the most frequent pair comes from a priority queue with lazy deletion (a changed count pushes a fresh entry; a popped
/// entry whose count is no longer the pair's is dropped). As in SentencePiece's bpe_model_trainer.cc, each pair knows the
/// places where it occurs, not only the words: every word's symbols are a linked list, and merging one occurrence
/// changes the counts of the pairs around it alone, so a merge costs its occurrences, not the length of the words
/// that hold them.</para>
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
    public static IReadOnlyList<(string Left, string Right)> Learn(IReadOnlyDictionary<string, long> wordCounts, int newTokens, long minPairCount = 2) =>
        Learn(wordCounts, newTokens, minPairCount, out _);

    /// <inheritdoc cref="Learn(IReadOnlyDictionary{string, long}, int, long)"/>
    /// <param name="pairUpdates">Changes made to pair counts, the measure of the work done: at most six per byte of
    /// the distinct words (one per pair at the start, five per merged occurrence, which removes a symbol).</param>
    public static IReadOnlyList<(string Left, string Right)> Learn(IReadOnlyDictionary<string, long> wordCounts, int newTokens, long minPairCount, out long pairUpdates)
    {
        ArgumentNullException.ThrowIfNull(wordCounts);
        ArgumentOutOfRangeException.ThrowIfNegative(newTokens, nameof(newTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(minPairCount, 1, nameof(minPairCount));

        // Symbols by id; equal strings are one symbol however they were merged ("a"+"bc" and "ab"+"c").
        var names = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int Id(string name)
        {
            if (!ids.TryGetValue(name, out int id)) { ids.Add(name, id = names.Count); names.Add(name); }
            return id;
        }

        // The words one after another: a position's symbol (-1 once merged into its left neighbour), the previous and
        // next symbol of its word (-1 at the ends), and its word's count.
        var words = wordCounts.Where(w => w.Key.Length > 0 && w.Value >= 1).Select(w => (Chars: ByteAlphabet.Encode(w.Key), Count: w.Value)).ToList();
        int length = words.Sum(w => w.Chars.Length);
        var symbol = new int[length];
        var prev = new int[length];
        var next = new int[length];
        var weight = new long[length];
        int start = 0;
        foreach (var (chars, count) in words)
        {
            for (int i = 0; i < chars.Length; i++)
            {
                int at = start + i;
                symbol[at] = Id(i + 1 < chars.Length ? chars[i].ToString() : chars[i] + EndOfWord);
                prev[at] = i > 0 ? at - 1 : -1;
                next[at] = i + 1 < chars.Length ? at + 1 : -1;
                weight[at] = count;
            }
            start += chars.Length;
        }

        // Each pair's count, the last place it was seen (a chain of places through `earlier`, which may hold places that
        // lost the pair since), and the step that last changed it.
        var pairs = new Dictionary<(int Left, int Right), (long Count, int Last, int Step)>();
        var place = new List<int>();
        var earlier = new List<int>();
        var changed = new List<(int Left, int Right)>();
        int step = 1;
        long updates = 0;
        void Update(int at, int left, int right, long delta)
        {
            var pair = (left, right);
            ref var stat = ref CollectionsMarshal.GetValueRefOrAddDefault(pairs, pair, out bool seen);
            if (!seen) stat.Last = -1;
            stat.Count += delta;
            if (delta > 0)
            {
                place.Add(at);
                earlier.Add(stat.Last);
                stat.Last = place.Count - 1;
            }
            if (stat.Step != step) { stat.Step = step; changed.Add(pair); }
            if (stat.Count == 0) pairs.Remove(pair);
            updates++;
        }

        // Most frequent first, then the ordinally smallest (left, right).
        var queue = new PriorityQueue<(int Left, int Right), (long Count, int Left, int Right)>(Comparer<(long Count, int Left, int Right)>.Create((a, b) =>
        {
            if (a.Count != b.Count) return b.Count.CompareTo(a.Count);
            int left = string.CompareOrdinal(names[a.Left], names[b.Left]);
            return left != 0 ? left : string.CompareOrdinal(names[a.Right], names[b.Right]);
        }));
        void QueueChanged()
        {
            foreach (var pair in changed)
                if (pairs.TryGetValue(pair, out var stat)) queue.Enqueue(pair, (stat.Count, pair.Left, pair.Right));
            changed.Clear();
            step++;
        }

        for (int at = 0; at < length; at++)
            if (next[at] >= 0) Update(at, symbol[at], symbol[at + 1], weight[at]);
        QueueChanged();

        var merges = new List<(string, string)>();
        var created = new HashSet<string>(StringComparer.Ordinal);
        var occurrences = new List<int>();
        while (created.Count < newTokens && queue.TryDequeue(out var best, out var entry))
        {
            if (!pairs.TryGetValue(best, out var bestStat) || bestStat.Count != entry.Count) continue; // stale
            if (entry.Count < minPairCount) break;

            var (left, right) = best;
            string merged = names[left] + names[right];
            merges.Add((names[left], names[right]));
            created.Add(merged);
            int m = Id(merged);
            occurrences.Clear();
            for (int node = bestStat.Last; node >= 0; node = earlier[node]) occurrences.Add(place[node]);
            occurrences.Sort(); // each word from left to right, so that a run "aaa" merges its first two
            foreach (int at in occurrences)
            {
                int after = next[at];
                if (symbol[at] != left || after < 0 || symbol[after] != right) continue; // no longer there
                long w = weight[at];
                int before = prev[at], beyond = next[after];
                Update(at, left, right, -w);
                if (before >= 0)
                {
                    Update(before, symbol[before], left, -w);
                    Update(before, symbol[before], m, w);
                }
                if (beyond >= 0)
                {
                    Update(after, right, symbol[beyond], -w);
                    Update(at, m, symbol[beyond], w);
                    prev[beyond] = at;
                }
                symbol[at] = m;
                symbol[after] = -1;
                next[at] = beyond;
            }
            QueueChanged();
        }
        pairUpdates = updates;
        return merges;
    }
}
