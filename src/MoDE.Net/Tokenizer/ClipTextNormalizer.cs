using System.Net;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace MoDE.Tokenizer;

/// <summary>
/// CLIP's text cleanup before tokenization: HTML entities decoded (twice, as CLIP does, for doubly escaped text),
/// runs of whitespace collapsed to one space, ends trimmed, then lower-cased. (CLIP also runs ftfy's mojibake repair,
/// which has no .NET port; captions here are read as proper UTF-8.)
/// <para><see cref="OpenClip"/> follows open_clip's "lower" cleaning (tokenizer.py: basic_clean, whitespace_clean,
/// lower) more closely, for CLIP's own vocabulary: whitespace as Python's str.split() sees it (which adds the
/// separators U+001C..U+001F to .NET's \s), and U+0130 lower-cased to "i" and a combining dot above, as Python's
/// str.lower() does, and a capital sigma at the end of a word to the final 'ς' (Python's Final_Sigma rule, with "cased"
/// taken as the letter categories Lu, Ll, Lt and "case-ignorable" as Mn, Me, Cf, Lm, Sk and the apostrophes, periods,
/// colons and middle dots of Unicode's word-break MidLetter/MidNumLet/Single_Quote classes). Not done: ftfy.fix_text (mojibake, curly quotes, ligatures, full-width forms, control
/// characters, and its last step, NFC, which .NET's string.Normalize skips for non-ASCII text under the
/// InvariantGlobalization this project builds with), the HTML5 named entities Python's html.unescape knows beyond
/// HTML 4's (WebUtility.HtmlDecode's), and casing beyond .NET's simple case mapping otherwise.</para>
/// </summary>
public sealed partial class ClipTextNormalizer : Normalizer
{
    /// <summary>The cleanup of a learnt vocabulary.</summary>
    public static ClipTextNormalizer Instance { get; } = new(openClip: false);

    /// <summary>The cleanup of CLIP's own vocabulary, as near open_clip's as .NET allows (see above).</summary>
    public static ClipTextNormalizer OpenClip { get; } = new(openClip: true);

    readonly bool _openClip;

    ClipTextNormalizer(bool openClip) => _openClip = openClip;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"[\s\x1C-\x1F]+")]
    private static partial Regex PythonWhitespace();

    const string Cased = @"\p{Lu}\p{Ll}\p{Lt}", CaseIgnorable = @"\p{Mn}\p{Me}\p{Cf}\p{Lm}\p{Sk}'.:\u00B7\u0387\u05F4\u2018\u2019\u2024\u2027\uFE13\uFE52\uFE55\uFF07\uFF0E\uFF1A";

    [GeneratedRegex($"(?<=[{Cased}][{CaseIgnorable}]*)\u03A3(?![{CaseIgnorable}]*[{Cased}])")]
    private static partial Regex FinalSigma();

    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        if (!_openClip)
            return Whitespace().Replace(WebUtility.HtmlDecode(WebUtility.HtmlDecode(original)), " ").Trim().ToLowerInvariant();
        string text = WebUtility.HtmlDecode(WebUtility.HtmlDecode(original));
        text = PythonWhitespace().Replace(text, " ").Trim(' ').Replace("\u0130", "i\u0307");
        return FinalSigma().Replace(text, "\u03C2").ToLowerInvariant();
    }

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
