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
}
