using Xunit;
using MoDE.Train;

namespace MoDE.Tests.Train;

public class CaptionTokenizerTests
{
    static readonly string[] Corpus = ["a photo of a red square", "A blue circle", "the number 7"];

    [Fact]
    public void EncodeFramesTokensWithSotAndEotAndPadsWithZero()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 10);
        var tokens = tokenizer.Encode("a red circle");
        Assert.Equal(10, tokens.Length);
        Assert.Equal(CaptionTokenizer.SotId, tokens[0]);
        Assert.All(tokens[1..4], t => Assert.True(t >= CaptionTokenizer.SpecialTokenCount && t < tokenizer.VocabSize));
        Assert.Equal(CaptionTokenizer.EotId, tokens[4]);
        Assert.All(tokens[5..], t => Assert.Equal(0, t));
        Assert.Equal(tokenizer.Encode("A RED Circle"), tokens); // lower-cased
    }

    [Fact]
    public void VocabularyIsCompactAndUnseenPiecesAreUnknown()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 10);
        Assert.InRange(tokenizer.VocabSize, CaptionTokenizer.SpecialTokenCount + 10, CaptionTokenizer.SpecialTokenCount + 14);
        Assert.Equal(CaptionTokenizer.UnkId, tokenizer.Encode("zebra")[1]);
    }

    [Fact]
    public void LongCaptionsAreTruncatedKeepingEot()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 6);
        var tokens = tokenizer.Encode("a photo of a red square a photo of a red square");
        Assert.Equal(6, tokens.Length);
        Assert.Equal(CaptionTokenizer.SotId, tokens[0]);
        Assert.Equal(CaptionTokenizer.EotId, tokens[5]);
        Assert.Equal(tokenizer.Encode("a photo of a")[1..5], tokens[1..5]);
    }

    [Fact]
    public void SaveLoadRoundTrips()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 12);
        string path = Path.Combine(Path.GetTempPath(), $"mode-tokenizer-{Guid.NewGuid():N}.json");
        try
        {
            tokenizer.Save(path);
            var loaded = CaptionTokenizer.Load(path);
            Assert.Equal(tokenizer.ContextLength, loaded.ContextLength);
            Assert.Equal(tokenizer.VocabSize, loaded.VocabSize);
            foreach (var caption in Corpus.Append("zebra 7"))
                Assert.Equal(tokenizer.Encode(caption), loaded.Encode(caption));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BatchTensorIsInt64BatchByContext()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 8);
        using var batch = tokenizer.EncodeBatch(Corpus);
        Assert.Equal([3L, 8L], batch.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, batch.dtype);
        Assert.Equal(tokenizer.Encode(Corpus[1]), batch[1].data<long>().ToArray());
    }
}
