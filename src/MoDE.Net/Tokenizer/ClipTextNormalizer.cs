using System.Net;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace MoDE.Tokenizer;

/// <summary>
/// CLIP's text cleanup before tokenization: HTML entities decoded (twice, as CLIP does, for doubly escaped text),
/// runs of whitespace collapsed to one space, ends trimmed, then lower-cased. (CLIP also runs ftfy's mojibake repair,
/// which has no .NET port; captions here are read as proper UTF-8.)
/// </summary>
public sealed partial class ClipTextNormalizer : Normalizer
{
    /// <summary>The one instance; it holds no state.</summary>
    public static ClipTextNormalizer Instance { get; } = new();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        string text = WebUtility.HtmlDecode(WebUtility.HtmlDecode(original));
        return Whitespace().Replace(text, " ").Trim().ToLowerInvariant();
    }

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
