using System.Text.Json;
using System.Text.Unicode;
using System.Text;

namespace MoDE.Data.Ingest;

/// <summary>
/// Turns what a source holds as a caption into the caption of a pair, or the reason there is none. Captions are
/// trimmed and every run of white space (new lines included) becomes one space, so a caption is one line.
/// </summary>
public static class SourceCaption
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A caption file (WebDataset .txt, sidecar .txt): strict UTF-8, a byte-order mark allowed.</summary>
    public static SkipReason? FromUtf8(ReadOnlySpan<byte> bytes, out string caption)
    {
        caption = "";
        if (bytes.StartsWith("\xEF\xBB\xBF"u8)) bytes = bytes[3..];
        if (!Utf8.IsValid(bytes)) return SkipReason.InvalidUtf8;
        return FromText(Strict.GetString(bytes), out caption);
    }

    /// <summary>
    /// Text a library already decoded (CSV, Parquet): decoders put U+FFFD where the bytes were not UTF-8, so a
    /// caption holding it is counted as <see cref="SkipReason.InvalidUtf8"/>.
    /// </summary>
    public static SkipReason? FromText(string? text, out string caption)
    {
        caption = "";
        if (text is null) return SkipReason.MissingCaption;
        if (text.Contains('\uFFFD')) return SkipReason.InvalidUtf8;
        caption = Normalize(text);
        return caption.Length == 0 ? SkipReason.EmptyCaption : null;
    }

    /// <summary>
    /// A WebDataset .json member. MetaCLIP's holds several captions, <c>{"texts": [...]}</c> (each a string or an
    /// array whose first item is the string): one is picked from the non-empty ones by a hash of
    /// (<paramref name="seed"/>, <paramref name="id"/>), so a pair gets the same caption on every run with that
    /// seed whatever the order of reading. img2dataset's holds <c>"caption"</c>; <c>"text"</c> is also read.
    /// </summary>
    public static SkipReason? FromJson(ReadOnlySpan<byte> json, string id, int seed, out string caption)
    {
        caption = "";
        if (json.StartsWith("\xEF\xBB\xBF"u8)) json = json[3..];
        if (!Utf8.IsValid(json)) return SkipReason.InvalidUtf8;
        JsonDocument document;
        try { document = JsonDocument.Parse(json.ToArray()); }
        catch (JsonException) { return SkipReason.BadCaptionJson; }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) return SkipReason.BadCaptionJson;
            var root = document.RootElement;
            if (root.TryGetProperty("texts", out var texts) && texts.ValueKind == JsonValueKind.Array)
            {
                var candidates = new List<string>();
                foreach (var item in texts.EnumerateArray())
                {
                    var text = item.ValueKind switch
                    {
                        JsonValueKind.String => item.GetString(),
                        JsonValueKind.Array when item.GetArrayLength() > 0 && item[0].ValueKind == JsonValueKind.String => item[0].GetString(),
                        _ => null,
                    };
                    if (text is not null && Normalize(text) is { Length: > 0 } normal) candidates.Add(normal);
                }
                if (candidates.Count == 0) return texts.GetArrayLength() == 0 ? SkipReason.MissingCaption : SkipReason.EmptyCaption;
                caption = candidates[(int)(StableHash(seed, id) % (ulong)candidates.Count)];
                return null;
            }
            foreach (string name in (string[])["caption", "text", "TEXT"])
                if (root.TryGetProperty(name, out var value))
                    return value.ValueKind == JsonValueKind.String ? FromText(value.GetString(), out caption) : SkipReason.MissingCaption;
            return SkipReason.MissingCaption;
        }
    }

    /// <summary>Trimmed, white space runs made one space.</summary>
    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c)) { space = builder.Length > 0; continue; }
            if (space) { builder.Append(' '); space = false; }
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>FNV-1a over the seed and the id's UTF-8 bytes: the same on every machine and run (unlike string.GetHashCode).</summary>
    static ulong StableHash(int seed, string id)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in BitConverter.GetBytes(seed)) hash = (hash ^ b) * 1099511628211UL;
        foreach (byte b in Encoding.UTF8.GetBytes(id)) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
