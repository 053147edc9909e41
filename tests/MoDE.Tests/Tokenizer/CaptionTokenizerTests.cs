using MoDE.Tokenizer;
using Xunit;

namespace MoDE.Tests.Tokenizer;

public class CaptionTokenizerTests
{
    static readonly string[] Corpus =
    [
        "a photo of a red square", "A blue circle", "the number 7", "a photo of a blue square",
        "a red circle and a red square", "a photo of the number 12",
    ];

    static string TempFolder() => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"mode-tokenizer-{Guid.NewGuid():N}")).FullName;

    [Fact]
    public void EncodeFramesPiecesWithSotAndEotAndPadsWithZero()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 10);
        var tokens = tokenizer.Encode("a red circle");
        Assert.Equal(10, tokens.Length);
        Assert.Equal(tokenizer.SotId, tokens[0]);
        int eot = Array.IndexOf(tokens, (long)tokenizer.EotId);
        Assert.True(eot >= 4, "three words make at least three pieces");
        Assert.All(tokens[1..eot], t => Assert.InRange(t, 0, tokenizer.VocabSize - 3));
        Assert.All(tokens[(eot + 1)..], t => Assert.Equal(CaptionTokenizer.PadId, t));
        Assert.Equal(tokens.Max(), tokenizer.EotId); // the text tower's argmax read-out finds it
        Assert.Equal(tokenizer.VocabSize - 1, tokenizer.EotId);
        Assert.Equal(tokenizer.VocabSize - 2, tokenizer.SotId);
    }

    [Fact]
    public void TextIsLowerCasedAndWhitespaceCleaned()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 16);
        var reference = tokenizer.Encode("a red circle");
        Assert.Equal(reference, tokenizer.Encode("A RED Circle"));
        Assert.Equal(reference, tokenizer.Encode("  a \t red\n\ncircle  "));
        Assert.Equal(tokenizer.Encode("fish & chips"), tokenizer.Encode("fish &amp; chips"));
    }

    [Fact]
    public void FrequentWordsBecomeOneTokenWithTheEndOfWordSuffix()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 16);
        var pieces = tokenizer.Pieces("photo square red");
        Assert.Equal(["photo</w>", "square</w>", "red</w>"], pieces.Select(tokenizer.Token));
        // an unseen word falls back to byte symbols and shorter merges, never to an unknown token
        var zebra = tokenizer.Pieces("zebra");
        Assert.Equal("zebra</w>", string.Concat(zebra.Select(tokenizer.Token)));
        Assert.EndsWith("</w>", tokenizer.Token(zebra[^1]));
        // non-ASCII text goes through its UTF-8 bytes
        Assert.NotEmpty(tokenizer.Pieces("été ☃"));
    }

    [Fact]
    public void LongCaptionsAreTruncatedKeepingEotLast()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 6);
        var tokens = tokenizer.Encode("a photo of a red square a photo of a red square");
        Assert.Equal(6, tokens.Length);
        Assert.Equal(tokenizer.SotId, tokens[0]);
        Assert.Equal(tokenizer.EotId, tokens[5]);
        Assert.Equal(tokenizer.Pieces("a photo of a red square").Take(4).Select(i => (long)i), tokens[1..5]);
        Assert.Single(tokens, t => t == tokenizer.EotId);
    }

    [Fact]
    public void LearningMergesIsDeterministicAndRespectsTheVocabularySize()
    {
        var a = CaptionTokenizer.Build(Corpus, contextLength: 8, vocabSize: 530);
        var b = CaptionTokenizer.Build(Corpus.Reverse(), contextLength: 8, vocabSize: 530);
        Assert.Equal(a.Merges, b.Merges);
        Assert.Equal(530, a.VocabSize);
        var larger = CaptionTokenizer.Build(Corpus, contextLength: 8, vocabSize: 560);
        Assert.Equal(a.Merges, larger.Merges.Take(a.Merges.Count)); // a prefix: merges are learnt greedily
        var all = CaptionTokenizer.Build(Corpus, contextLength: 8, vocabSize: 100_000);
        Assert.True(all.VocabSize < 100_000, "stops when no pair repeats");
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptionTokenizer.Build(Corpus, 8, vocabSize: 100));
    }

    [Fact]
    public void SaveWritesVocabAndMergesThatLoadBackIdentically()
    {
        string folder = TempFolder();
        try
        {
            var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 12);
            string manifest = Path.Combine(folder, "tokenizer.json");
            tokenizer.Save(manifest);
            Assert.True(File.Exists(Path.Combine(folder, CaptionTokenizer.VocabularyFileName)));
            var mergeLines = File.ReadAllLines(Path.Combine(folder, CaptionTokenizer.MergesFileName));
            Assert.Equal("#version: 0.2", mergeLines[0]);
            Assert.Equal(tokenizer.Merges.Select(m => $"{m.Left} {m.Right}"), mergeLines[1..]);

            var loaded = CaptionTokenizer.Load(manifest);
            Assert.Equal(tokenizer.ContextLength, loaded.ContextLength);
            Assert.Equal(tokenizer.VocabSize, loaded.VocabSize);
            Assert.Equal(tokenizer.Merges, loaded.Merges);
            foreach (var caption in Corpus.Append("zebra 7 naïve's"))
                Assert.Equal(tokenizer.Encode(caption), loaded.Encode(caption));

            var direct = CaptionTokenizer.FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"), contextLength: 77);
            Assert.Equal(77, direct.ContextLength);
            Assert.Equal(tokenizer.Pieces("a red square"), direct.Pieces("a red square"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void AManifestCanNameVocabularyFilesElsewhere()
    {
        string own = TempFolder(), run = TempFolder();
        try
        {
            var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 12);
            tokenizer.Save(Path.Combine(own, "tokenizer.json"));
            string manifest = Path.Combine(run, "tokenizer.json");
            File.WriteAllText(manifest, $$"""{"FormatVersion": 2, "ContextLength": 20, "Vocabulary": "{{Path.Combine(own, "vocab.json")}}", "Merges": "{{Path.Combine(own, "merges.txt")}}"}""");
            var loaded = CaptionTokenizer.Load(manifest);
            Assert.Equal(20, loaded.ContextLength);
            Assert.Equal(tokenizer.Pieces("a blue square"), loaded.Pieces("a blue square"));
        }
        finally
        {
            Directory.Delete(own, recursive: true);
            Directory.Delete(run, recursive: true);
        }
    }

    [Fact]
    public void OpenClipsGzippedMergesFileGivesCLIPsLayout()
    {
        string folder = TempFolder();
        try
        {
            string path = Path.Combine(folder, "bpe_simple_vocab_16e6.txt.gz");
            using (var gz = new System.IO.Compression.GZipStream(File.Create(path), System.IO.Compression.CompressionLevel.Fastest))
            using (var writer = new StreamWriter(gz))
                writer.Write("\"bpe_simple_vocab_16e6.txt#version: 0.2\nr e\nre d</w>\nq u\n");
            var tokenizer = CaptionTokenizer.FromOpenClipMerges(path, mergeCount: 3);
            Assert.Equal(77, tokenizer.ContextLength);
            Assert.Equal(512 + 3 + 2, tokenizer.VocabSize);
            Assert.Equal(["red</w>"], tokenizer.Pieces("RED").Select(tokenizer.Token));
            Assert.Equal(513, tokenizer.Pieces("red")[0]); // merged symbols follow the 512 byte symbols in merge order: re, red</w>
            Assert.Equal(["qu", "a", "d</w>"], tokenizer.Pieces("quad").Select(tokenizer.Token));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void AVocabularyWhoseEndOfTextIsNotTheLargestIdIsRejected()
    {
        string folder = TempFolder();
        try
        {
            File.WriteAllText(Path.Combine(folder, "vocab.json"), """{"a": 0, "<|startoftext|>": 2, "<|endoftext|>": 1}""");
            File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n");
            Assert.Throws<InvalidDataException>(() => CaptionTokenizer.FromFiles(Path.Combine(folder, "vocab.json"), Path.Combine(folder, "merges.txt"), 8));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void BatchTensorIsInt64BatchByContext()
    {
        var tokenizer = CaptionTokenizer.Build(Corpus, contextLength: 8);
        using var batch = tokenizer.EncodeBatch(Corpus);
        Assert.Equal([Corpus.Length, 8L], batch.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Int64, batch.dtype);
        Assert.Equal(tokenizer.Encode(Corpus[1]), batch[1].data<long>().ToArray());
    }

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("letters")]
    [InlineData("abab")]
    [InlineData("punctuation")]
    public void AHugeOneWordCaptionTrainsAndEncodesAsItsFirstWords(string kind)
    {
        var random = new Random(5);
        string caption = kind switch
        {
            "letters" => new string(Enumerable.Range(0, 400_000).Select(_ => (char)('a' + random.Next(26))).ToArray()),
            "abab" => string.Concat(Enumerable.Repeat("ab", 200_000)),
            _ => string.Concat(Enumerable.Repeat("!?", 200_000)),
        };
        var tokenizer = CaptionTokenizer.Build(Corpus.Append(caption), contextLength: 16);
        var tokens = tokenizer.Encode(caption);
        // The caption is cut into words of MaxWordLength characters; the row fills from the first 14 of them at most.
        var first = tokenizer.Pieces(caption[..(14 * ClipPreTokenizer.MaxWordLength)]);
        Assert.True(first.Count >= 14, $"14 words make at least 14 pieces ({first.Count})");
        Assert.Equal([tokenizer.SotId, .. first.Take(14).Select(i => (long)i), tokenizer.EotId], tokens);
        Assert.Equal(first.Take(14), tokenizer.Pieces(caption).Take(14));
    }
}
