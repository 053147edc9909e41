using MoDE.Tokenizer;
using Xunit;

namespace MoDE.Tests.Tokenizer;

public class ClipPreTokenizerTests
{
    static string[] Words(string text) => [.. ClipPreTokenizer.Instance.PreTokenize(text).Select(w => text.Substring(w.Offset, w.Length))];

    [Fact]
    public void WordsAreCLIPsLetterRunsDigitsPunctuationRunsAndContractions()
    {
        Assert.Equal(["a", "dog", "'s", "toy", "!!", "2", "0", "été", "pneumonoultramicroscopicsilicovolcanoconiosis"],
            Words("a dog's toy!! 20 été pneumonoultramicroscopicsilicovolcanoconiosis"));
        Assert.Equal(["<|", "endoftext", "|>"], Words("<|endoftext|>")); // no special token gets through as one word
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("letters")]
    [InlineData("punctuation")]
    [InlineData("emoji after one")]
    [InlineData("punctuation and emoji")]
    public void AHugeWordIsCutIntoPiecesOfAtMostMaxWordLengthNeverInsideASurrogatePair(string kind)
    {
        string text = kind switch
        {
            "letters" => new string('x', 1_000_000),
            "punctuation" => string.Concat(Enumerable.Repeat("!?", 500_000)),
            // a surrogate pair straddles every 256th character unless the cut moves back by one
            "emoji after one" => "!" + string.Concat(Enumerable.Repeat("😀", 5_000)),
            _ => "ab " + string.Concat(Enumerable.Repeat("!😀😀", 5_000)),
        };
        var pieces = ClipPreTokenizer.Instance.PreTokenize(text).ToList();
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, ClipPreTokenizer.MaxWordLength));
        Assert.All(pieces, p => Assert.False(char.IsLowSurrogate(text[p.Offset]), $"piece at {p.Offset} starts inside a surrogate pair"));
        Assert.True(pieces.Count(p => p.Length >= ClipPreTokenizer.MaxWordLength - 1) >= pieces.Count - 2, "pieces are as long as allowed");
        // the pieces cover the words end to end: nothing dropped, nothing repeated
        Assert.Equal(text.Replace(" ", ""), string.Concat(pieces.Select(p => text.Substring(p.Offset, p.Length))));
    }
}
