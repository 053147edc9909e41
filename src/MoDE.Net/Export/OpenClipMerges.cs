using System.IO.Compression;
using System.Text;
using MoDE.Storage;
using MoDE.Tokenizer;

namespace MoDE.Export;

/// <summary>
/// A run's BPE as a merges file in the format of open_clip's <c>bpe_simple_vocab_16e6.txt.gz</c>, which open_clip's
/// <c>SimpleTokenizer(bpe_path=..., context_length=...)</c> reads (src/open_clip/tokenizer.py): gzipped UTF-8, a
/// version line, then one "left right" merge a line. SimpleTokenizer splits the text at '\n', skips the first line and
/// builds its vocabulary as the 256 byte symbols, the same with "&lt;/w&gt;", one token per merge (the two symbols
/// joined) and its two special tokens; the file therefore ends without a newline (an empty last line would become a
/// token), and it gives a run's ids only when the run's vocabulary has exactly that layout (<see cref="Mismatch"/>).
/// </summary>
public static class OpenClipMerges
{
    public const string FileName = "bpe_vocab.txt.gz";

    /// <summary>Where SimpleTokenizer's text handling differs from <paramref name="tokenizer"/>'s, in words (the ids of
    /// ordinary captions agree).</summary>
    public static string TextDifferences(CaptionTokenizer tokenizer) => tokenizer.OpenClip
        ? "open_clip also runs ftfy.fix_text and gives a caption that holds the text of a special token's name that token's id; MoDE does neither"
        : "MoDE cuts words longer than 256 characters into pieces and cleans text with .NET's whitespace and simple lower-casing, where open_clip " +
          "keeps words whole, runs ftfy.fix_text and uses Python's whitespace and str.lower() (they differ on U+001C..U+001F, U+0130 and a final capital sigma)";

    /// <summary>Why open_clip's SimpleTokenizer, given <see cref="Write"/>'s file, would not give <paramref name="tokenizer"/>'s
    /// ids; null when it gives the same ids.</summary>
    public static string? Mismatch(CaptionTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var merges = tokenizer.Merges;
        if (merges.Count > CaptionTokenizer.OpenClipMergeCount)
            return $"{merges.Count} merges, SimpleTokenizer reads at most {CaptionTokenizer.OpenClipMergeCount}";
        var layout = new List<string>(2 * ByteAlphabet.Bytes.Count + merges.Count);
        layout.AddRange(ByteAlphabet.Bytes.Select(b => ByteAlphabet.Char(b).ToString()));
        layout.AddRange(ByteAlphabet.Bytes.Select(b => ByteAlphabet.Char(b) + BytePairEncodingTrainer.EndOfWord));
        layout.AddRange(merges.Select(m => m.Left + m.Right));
        if (tokenizer.VocabSize != layout.Count + CaptionTokenizer.SpecialTokenCount)
            return $"a vocabulary of {tokenizer.VocabSize} tokens, SimpleTokenizer's layout of these merges has {layout.Count + CaptionTokenizer.SpecialTokenCount}";
        for (int id = 0; id < layout.Count; id++)
            if (tokenizer.Token(id) != layout[id]) return $"id {id} is '{tokenizer.Token(id)}' here, '{layout[id]}' in SimpleTokenizer's layout";
        if (tokenizer.SotId != layout.Count || tokenizer.EotId != layout.Count + 1)
            return $"start and end of text are ids {tokenizer.SotId} and {tokenizer.EotId}, SimpleTokenizer's {layout.Count} and {layout.Count + 1}";
        if (merges.Any(m => (m.Left + m.Right).Any(char.IsWhiteSpace)))
            return "a merged symbol holds whitespace, at which SimpleTokenizer splits its lines";
        return null;
    }

    /// <summary>Writes the merges file (atomically, gzip). Throws <see cref="InvalidOperationException"/> with
    /// <see cref="Mismatch"/>'s reason when the file would not give the tokenizer's ids.</summary>
    public static void Write(CaptionTokenizer tokenizer, string path)
    {
        if (Mismatch(tokenizer) is string reason) throw new InvalidOperationException($"{path}: not written: {reason}");
        var text = new StringBuilder("#version: 0.2");
        foreach (var (left, right) in tokenizer.Merges) text.Append('\n').Append(left).Append(' ').Append(right);
        AtomicFile.Write(path, stream =>
        {
            using var gzip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true);
            gzip.Write(new UTF8Encoding(false).GetBytes(text.ToString()));
        });
    }
}
