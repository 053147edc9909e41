using MoDE.Data.Synthetic;
using MoDE.Tokenizer;
using Xunit;

namespace MoDE.Tests.Tokenizer;

public class BytePairEncodingTrainerTests
{
    [Fact]
    public void MergesTheMostFrequentPairFirstAndMarksWordEnds()
    {
        var counts = new Dictionary<string, long> { ["low"] = 5, ["lower"] = 2, ["newest"] = 6, ["widest"] = 3 };
        var merges = BytePairEncodingTrainer.Learn(counts, newTokens: 4);
        // "es" occurs 9 times (newest 6 + widest 3), then "est</w>" via ("es", "t</w>")
        Assert.Equal(("e", "s"), merges[0]);
        Assert.Equal(("es", "t</w>"), merges[1]);
        Assert.Equal(4, merges.Count);
    }

    [Fact]
    public void TiesBreakOrdinallySoTheResultIsIndependentOfInputOrder()
    {
        var counts = new Dictionary<string, long> { ["ab"] = 3, ["cd"] = 3, ["ef"] = 3 };
        var reversed = counts.Reverse().ToDictionary();
        var merges = BytePairEncodingTrainer.Learn(counts, newTokens: 2);
        Assert.Equal(merges, BytePairEncodingTrainer.Learn(reversed, newTokens: 2));
        Assert.Equal(("a", "b</w>"), merges[0]);
        Assert.Equal(("c", "d</w>"), merges[1]);
    }

    [Fact]
    public void StopsWhenNoPairRepeats()
    {
        var merges = BytePairEncodingTrainer.Learn(new Dictionary<string, long> { ["xyz"] = 1 }, newTokens: 10);
        Assert.Empty(merges);
        Assert.Equal(2, BytePairEncodingTrainer.Learn(new Dictionary<string, long> { ["xyz"] = 1 }, newTokens: 10, minPairCount: 1).Count);
    }

    [Fact]
    public void AlphabetCoversEveryByteWithADistinctPrintableCharacter()
    {
        Assert.Equal(256, ByteAlphabet.Bytes.Distinct().Count());
        var chars = Enumerable.Range(0, 256).Select(b => ByteAlphabet.Char((byte)b)).ToArray();
        Assert.Equal(256, chars.Distinct().Count());
        Assert.All(chars, c => Assert.False(char.IsWhiteSpace(c) || char.IsControl(c)));
        Assert.Equal('a', ByteAlphabet.Char((byte)'a'));
        Assert.Equal((byte)'!', ByteAlphabet.Bytes[0]);
        Assert.Equal("Ã©", ByteAlphabet.Encode("é"));
    }

    /// <summary>A seeded corpus that makes ties and collisions likely: few letters (and two multi-byte ones), many short
    /// words, a few long ones, runs of one letter and of a repeated pair, counts from 1 to 20.</summary>
    static Dictionary<string, long> RandomCorpus(int seed)
    {
        var random = new Random(seed);
        const string letters = "abcdeé☃";
        string Letters(int length) => new(Enumerable.Range(0, length).Select(_ => letters[random.Next(letters.Length)]).ToArray());
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < 400; i++)
        {
            string word = random.Next(10) switch
            {
                0 => new string(letters[random.Next(3)], random.Next(2, 60)),
                1 => string.Concat(Enumerable.Repeat(Letters(2), random.Next(1, 30))),
                2 when i % 40 == 0 => Letters(random.Next(500, 3000)),
                _ => Letters(random.Next(1, 12)),
            };
            counts[word] = counts.GetValueOrDefault(word) + random.Next(1, 21);
        }
        return counts;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(5, 2)]
    public void MergesAreTheReferenceTrainersOnRandomCorpora(int seed, long minPairCount)
    {
        var counts = RandomCorpus(seed);
        var expected = ReferenceBytePairEncodingTrainer.Learn(counts, 600, minPairCount);
        Assert.True(expected.Count > 100, $"the corpus should allow many merges, got {expected.Count}");
        Assert.Equal(expected, BytePairEncodingTrainer.Learn(counts, 600, minPairCount));
    }

    [Fact]
    public void TheDefaultRunsTokenizerIsTheReferenceTrainersOnTheBuiltInCaptions()
    {
        // The captions the default run's train stage learns from: the built-in dataset with its default options.
        var captions = SyntheticWeb.GeneratePairs(new SyntheticWebOptions()).Pairs.Select(p => p.Caption).ToList();
        var counts = CaptionTokenizer.WordCounts(captions);
        Assert.All(counts.Keys, word => Assert.True(word.Length < ClipPreTokenizer.MaxWordLength, word)); // no word was cut
        var expected = ReferenceBytePairEncodingTrainer.Learn(counts, CaptionTokenizer.DefaultVocabSize - CaptionTokenizer.MinimumVocabSize);
        var tokenizer = CaptionTokenizer.Build(captions, contextLength: 32);
        Assert.Equal(expected, tokenizer.Merges);
        Assert.True(expected.Count > 500, $"the built-in captions should give many merges, got {expected.Count}");
    }

    static string HostileWord(string kind, int length, int seed = 1)
    {
        var random = new Random(seed);
        return kind switch
        {
            "letters" => new string(Enumerable.Range(0, length).Select(_ => (char)('a' + random.Next(26))).ToArray()),
            "aaaa" => new string('a', length),
            "abab" => string.Concat(Enumerable.Repeat("ab", length / 2)),
            "aab" => string.Concat(Enumerable.Repeat("aab", length / 3)),
            "éééé" => new string('é', length / 2), // two bytes each
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("letters")]
    [InlineData("aaaa")]
    [InlineData("abab")]
    [InlineData("aab")]
    [InlineData("éééé")]
    public void LongAndRepeatedWordsMergeAsInTheReferenceTrainer(string kind)
    {
        var counts = RandomCorpus(7);
        counts[HostileWord(kind, 4000)] = 1;
        counts[HostileWord(kind, 1001, seed: 2)] = 3;
        Assert.Equal(ReferenceBytePairEncodingTrainer.Learn(counts, 600), BytePairEncodingTrainer.Learn(counts, 600));
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("letters")]
    [InlineData("aaaa")]
    [InlineData("abab")]
    public void AMegabyteWordTrainsInWorkLinearInItsLength(string kind)
    {
        var counts = RandomCorpus(3);
        string word = HostileWord(kind, 1_000_000);
        counts[word] = 1;
        long bytes = counts.Keys.Sum(w => (long)System.Text.Encoding.UTF8.GetByteCount(w));
        var merges = BytePairEncodingTrainer.Learn(counts, 1536, 2, out long pairUpdates);
        // At most one update per pair at the start and five per merged occurrence; a whole-word recount per merge, as
        // the reference does, would make about merges x word length (1,500 x 1,000,000).
        Assert.InRange(pairUpdates, bytes - counts.Count, 6 * bytes);
        Assert.Equal(1536, merges.Select(m => m.Left + m.Right).Distinct().Count());
        if (kind != "letters") // a pair of the run comes first, the most frequent by far
            Assert.Contains(merges[0], new[] { (word[0].ToString(), word[1].ToString()), (word[1].ToString(), word[0].ToString()) });
    }
}
