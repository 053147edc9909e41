using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace MoDE.Tokenizer;

/// <summary>
/// CLIP's split of cleaned text into words (open_clip's tokenizer.py pattern: English contractions, letter runs, single
/// digits, runs of other non-space characters; without its special-token alternatives, so that captions can never smuggle
/// them in), each word then cut into pieces of at most <see cref="MaxWordLength"/> characters, never between the two
/// halves of a surrogate pair. The cut is ours: CLIP's pattern has no bound, and the byte-level BPE that encodes a word
/// (Microsoft.ML.Tokenizers, src/Microsoft.ML.Tokenizers/Model/Word.cs in dotnet/machinelearning: MergeAll removes the
/// merged symbols one at a time) works in the square of the word's length, which a caption of one 400 KB "word" turns
/// into minutes. Training and encoding split alike, so the merges are learnt on the words that are encoded.
/// <see cref="Uncut"/> leaves words whole, as open_clip does, for CLIP's own vocabulary: its BPE of a word of n
/// characters then takes up to n merge steps of O(n) each, as open_clip's own (tokenizer.py, SimpleTokenizer.bpe):
/// with CLIP's 48,894 merges, a one-word caption of 16,000 random letters encodes in about 0.1 s and one of 64,000 in
/// about 1 s, while ingested captions are at most SourceOptions.MaxCaptionBytes (8 KiB unless set otherwise).
/// </summary>
public sealed partial class ClipPreTokenizer : PreTokenizer
{
    /// <summary>Longest word, in UTF-16 characters: 256, several times the longest word of a language written with
    /// spaces, so that the cut leaves real words alone, while the BPE of one word stays within 256² steps.</summary>
    public const int MaxWordLength = 256;

    /// <summary>Words cut at <see cref="MaxWordLength"/>.</summary>
    public static ClipPreTokenizer Instance { get; } = new(MaxWordLength);

    /// <summary>Words left whole, exactly as open_clip splits them.</summary>
    public static ClipPreTokenizer Uncut { get; } = new(int.MaxValue);

    readonly int _maxWordLength;

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex WordPattern();

    static readonly RegexPreTokenizer Words = new(WordPattern(), null);

    ClipPreTokenizer(int maxWordLength) => _maxWordLength = maxWordLength;

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var (offset, length) in Words.PreTokenize(text))
            for (int start = offset, end = offset + length; start < end;)
            {
                int piece = Math.Min(_maxWordLength, end - start);
                if (start + piece < end && char.IsSurrogatePair(text[start + piece - 1], text[start + piece])) piece--;
                yield return (start, piece);
                start += piece;
            }
    }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => PreTokenize(text.ToString());
}
