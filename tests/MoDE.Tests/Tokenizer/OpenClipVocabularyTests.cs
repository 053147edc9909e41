using System.IO.Compression;
using System.Text;
using MoDE.Tokenizer;
using Xunit;

namespace MoDE.Tests.Tokenizer;

/// <summary>
/// <see cref="CaptionTokenizer.FromOpenClipMerges"/>: a merges file in the format of open_clip's
/// bpe_simple_vocab_16e6.txt.gz, tokenized as open_clip's SimpleTokenizer and tokenize() do (tokenizer.py).
/// </summary>
public class OpenClipVocabularyTests
{
    /// <summary>Hand-written merges. Ids by CLIP's layout, computed by hand: a printable ASCII character c is c - 33,
    /// with "&lt;/w&gt;" c - 33 + 256; merge k (from 0) is 512 + k; then start and end of text.</summary>
    static readonly string[] HandMerges = ["h e", "l l", "he ll", "hell o</w>", "l o</w>"];
    const int He = 512, Ll = 513, Hell = 514, HelloEnd = 515, LoEnd = 516, Sot = 517, Eot = 518;
    const int H = 'h' - 33, O = 'o' - 33, OEnd = 'o' - 33 + 256;

    static string TempFolder() => Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"mode-openclip-bpe-{Guid.NewGuid():N}")).FullName;

    static string WriteGzip(string folder, byte[] content)
    {
        string path = Path.Combine(folder, "bpe_simple_vocab_16e6.txt.gz");
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(content);
        return path;
    }

    static string WriteMerges(string folder, IEnumerable<string> merges) =>
        WriteGzip(folder, Encoding.UTF8.GetBytes("#version: 0.2\n" + string.Concat(merges.Select(m => m + "\n"))));

    static T InFolder<T>(Func<string, T> body)
    {
        string folder = TempFolder();
        try { return body(folder); }
        finally { Directory.Delete(folder, recursive: true); }
    }

    static CaptionTokenizer Hand(int contextLength) =>
        InFolder(folder => CaptionTokenizer.FromOpenClipMerges(WriteMerges(folder, HandMerges), contextLength, HandMerges.Length));

    [Fact]
    public void HandWrittenMergesGiveHandComputedIds()
    {
        var tokenizer = Hand(77);
        Assert.Equal(Sot, tokenizer.SotId);
        Assert.Equal(Eot, tokenizer.EotId);
        Assert.Equal([HelloEnd], tokenizer.Pieces("hello"));
        Assert.Equal([H, O, Ll, OEnd], tokenizer.Pieces("hollo")); // (l, l) ranks before (l, o</w>)
        Assert.Equal([Ll, LoEnd], tokenizer.Pieces("lllo")); // the leftmost of overlapping pairs merges first
        // Lower-cased; words: "hi", ",", "4", "2", "!"; digits one by one.
        Assert.Equal([H, 'i' - 33 + 256, ',' - 33 + 256, '4' - 33 + 256, '2' - 33 + 256, '!' - 33 + 256], tokenizer.Pieces("Hi, 42!"));
        Assert.True(tokenizer.OpenClip);
    }

    [Fact]
    public void RowsAreSotPiecesEotThenZeroAndTruncationKeepsEotLast()
    {
        Assert.Equal([Sot, HelloEnd, H, O, Ll, OEnd, Eot, 0], Hand(8).Encode("hello hollo"));
        Assert.Equal([Sot, HelloEnd, H, O, Ll, OEnd, Eot], Hand(7).Encode("hello hollo")); // exactly full
        Assert.Equal([Sot, HelloEnd, H, O, Ll, OEnd, Ll, Eot], Hand(8).Encode("hello hollo lllo")); // cut inside "lllo"
        Assert.Equal([Sot, Eot, 0, 0], Hand(4).Encode(" \t "));
    }

    [Fact]
    public void WordsAreNotCutAtTheLearntVocabulariesBound()
    {
        string word = string.Concat(Enumerable.Repeat("hello", 60)); // 300 characters, one word
        Assert.True(word.Length > ClipPreTokenizer.MaxWordLength);
        // open_clip merges the whole word: no (hell, o) merge inside it, hello</w> at its end.
        int[] expected = [.. Enumerable.Repeat(new[] { Hell, O }, 59).SelectMany(p => p), HelloEnd];
        var tokenizer = Hand(77);
        Assert.Equal(expected, tokenizer.Pieces(word));
        var reloaded = InFolder(folder =>
        {
            tokenizer.Save(Path.Combine(folder, "tokenizer.json"));
            return CaptionTokenizer.Load(Path.Combine(folder, "tokenizer.json"));
        });
        Assert.True(reloaded.OpenClip);
        Assert.Equal(expected, reloaded.Pieces(word));
    }

    [Fact]
    public void CleaningFollowsPythonsWhitespaceAndLowerCase()
    {
        var tokenizer = Hand(16);
        Assert.Equal(tokenizer.Encode("hello hollo"), tokenizer.Encode(" HELLO\u001Chollo\u3000"));
        Assert.Equal(tokenizer.Encode("h&o"), tokenizer.Encode("h&amp;amp;o"));
        Assert.Equal(tokenizer.Pieces("i\u0307"), tokenizer.Pieces("\u0130")); // Python's "İ".lower()
        // Python's str.lower(), final sigma: "ΟΔΟΣ ΣΑΣ. Σ" -> "οδος σας. σ", "ΑΣ'Α" -> "ασ'α", "ΑΣ\u0301" -> "ας\u0301", "ΑΣ1" -> "ας1".
        Assert.Equal(tokenizer.Pieces("οδος σας. σ"), tokenizer.Pieces("ΟΔΟΣ ΣΑΣ. Σ"));
        Assert.Equal(tokenizer.Pieces("ασ'α ας\u0301 ας1"), tokenizer.Pieces("ΑΣ'Α ΑΣ\u0301 ΑΣ1"));
        Assert.NotEqual(tokenizer.Pieces("ας"), tokenizer.Pieces("ασ"));
        // open_clip would give the special ids here (see FromOpenClipMerges); text is only ever text.
        Assert.DoesNotContain(Eot, tokenizer.Pieces("<end_of_text> " + CaptionTokenizer.EndOfText));
        Assert.DoesNotContain(Sot, tokenizer.Pieces("<start_of_text> " + CaptionTokenizer.StartOfText));
    }

    [Fact]
    public void MergesLearntByOurTrainerLoadInOpenClipsFormat()
    {
        string[] corpus = ["a photo of a red square", "a photo of a blue circle", "a photo of the number 7", "red photo"];
        var learnt = CaptionTokenizer.Build(corpus, contextLength: 16, vocabSize: 560);
        var merges = learnt.Merges.Select(m => $"{m.Left} {m.Right}").ToList();
        var tokenizer = InFolder(folder => CaptionTokenizer.FromOpenClipMerges(WriteMerges(folder, merges), 16, merges.Count));
        Assert.Equal(learnt.VocabSize, tokenizer.VocabSize);
        // "photo" is the most frequent long word: it becomes the symbol of the merge that makes "photo</w>".
        int photo = 512 + learnt.Merges.ToList().FindIndex(m => m.Left + m.Right == "photo</w>");
        Assert.True(photo >= 512);
        Assert.Equal([photo], tokenizer.Pieces("Photo"));
        foreach (var caption in corpus) Assert.Equal(learnt.Encode(caption), tokenizer.Encode(caption));
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("plain", "not a gzip file")]
    [InlineData("three", "line 3: 'h e l' is not a 'left right' merge")]
    [InlineData("one", "line 2: 'he' is not a 'left right' merge")]
    [InlineData("unknown", "line 3: merge 'x hell' joins a symbol no earlier line made")]
    [InlineData("again", "line 3: merge 'h e' makes a symbol that already exists")]
    [InlineData("few", "4 merges, 5 wanted (line 6 is the end of the file)")]
    [InlineData("header", "0 merges, 5 wanted (line 2 is the end of the file)")]
    [InlineData("utf8", "line 2: not UTF-8")]
    [InlineData("damaged", "line 1: damaged gzip data")]
    [InlineData("bomb", "line 3: longer than 1024 bytes, not a merge")]
    public void AMalformedMergesFileIsOneLineNamingFileAndLine(string kind, string reason)
    {
        string message = InFolder(folder =>
        {
            string path = kind switch
            {
                "plain" => Path.Combine(folder, "plain.txt"),
                "three" => WriteMerges(folder, ["h e", "h e l", .. HandMerges]),
                "one" => WriteMerges(folder, ["he", .. HandMerges]),
                "unknown" => WriteMerges(folder, ["h e", "x hell", .. HandMerges]),
                "again" => WriteMerges(folder, ["h e", "h e", .. HandMerges]),
                "few" => WriteMerges(folder, HandMerges[..4]),
                "header" => WriteMerges(folder, []),
                "bomb" => WriteMerges(folder, ["h e", new string('h', 10_000_000)]),
                "utf8" => WriteGzip(folder, [.. "#version: 0.2\n"u8, 0xC3, 0x28, (byte)'\n']),
                _ => WriteMerges(folder, HandMerges),
            };
            if (kind == "plain") File.WriteAllText(path, "#version: 0.2\nh e\n");
            if (kind == "damaged")
            {
                var bytes = File.ReadAllBytes(path);
                bytes[10] = 0b111; // the first deflate block: final, of the reserved type 3
                File.WriteAllBytes(path, bytes);
            }
            var e = Assert.Throws<InvalidDataException>(() => CaptionTokenizer.FromOpenClipMerges(path, 77, HandMerges.Length));
            Assert.StartsWith(path + ": ", e.Message);
            return e.Message;
        });
        Assert.True(message.Contains(reason), message);
        Assert.DoesNotContain('\n', message);
    }
}
