namespace MoDE.Data.Ingest;

/// <summary>
/// Debian's OpenClipart (packages openclipart-png and openclipart-svg, public domain) as image-caption pairs:
/// each <c>png/PATH.png</c> with the metadata of <c>svg/PATH.svg</c> (<see cref="SvgMetadata"/>) as its caption,
/// real human-written alt-text with its noise (collection names as titles, Italian, keyword lists).
/// A PNG that is a symbolic link shows an image already in the corpus under a second category and is skipped as
/// <see cref="SkipReason.DuplicateImage"/>; folders are not entered through links. An SVG is read only when it is a
/// regular file of at most <see cref="SourceOptions.MaxImageBytes"/>. The pair id is <c>openclipart/PATH</c>.
/// <para>Caption: the title; then the file name's words when the title does not hold them (the stem
/// without its number and without the creator's name, <c>onion_joerg_rosenbauer_01</c> -> "onion"); then the
/// description (unless it is an export artefact such as <c>HASH(0x...)</c>), at most 300 characters; then
/// "keywords: " and up to 8 distinct keywords. Parts are joined with ". ".</para>
/// </summary>
public sealed class OpenClipartReader(string root, SourceOptions options) : IPairReader
{
    /// <summary>Where Debian installs it.</summary>
    public const string DefaultRoot = "/usr/share/openclipart";

    const int MaxDescription = 300, MaxKeywords = 8;

    public string Path { get; } = root;

    public IEnumerable<SourceRecord> Read(IngestReport report)
    {
        string pngRoot = System.IO.Path.Combine(Path, "png"), svgRoot = System.IO.Path.Combine(Path, "svg");
        if (!Directory.Exists(pngRoot))
            throw new DirectoryNotFoundException($"{pngRoot} is missing: install OpenClipart with `apt-get install -y openclipart-png openclipart-svg`");
        foreach (string png in SourceFile.Under(pngRoot).Where(p => p.EndsWith(".png", StringComparison.Ordinal)))
        {
            string relative = System.IO.Path.GetRelativePath(pngRoot, png).Replace('\\', '/');
            string id = $"openclipart/{relative[..^4]}";
            if (new FileInfo(png).LinkTarget is { } target) { report.Skip(SkipReason.DuplicateImage, id, $"link to {target}"); continue; }
            string svg = System.IO.Path.Combine(svgRoot, relative[..^4] + ".svg");
            var metadata = SourceFile.KindOf(svg) == SourceFile.Kind.Regular && new FileInfo(svg).Length <= options.MaxImageBytes ? SvgMetadata.Read(svg) : SvgMetadata.Empty;
            if (SourceCaption.FromText(Caption(metadata, System.IO.Path.GetFileNameWithoutExtension(png)), out string caption) is { } problem)
            {
                report.Skip(problem, id);
                continue;
            }
            yield return new SourceRecord(id, caption, ImagePath: png);
        }
    }

    /// <summary>The caption of one clip from its metadata and file name (see the class summary).</summary>
    public static string Caption(SvgMetadata metadata, string stem)
    {
        var parts = new List<string>();
        if (metadata.Title.Length > 0) parts.Add(metadata.Title);
        string words = StemWords(stem, metadata.Creator);
        if (words.Length > 0 && !Letters(metadata.Title).Contains(Letters(words), StringComparison.OrdinalIgnoreCase)) parts.Add(words);
        string description = metadata.Description;
        if (description.Length > 0 && !description.StartsWith("HASH(0x", StringComparison.Ordinal) && !string.Equals(description, metadata.Title, StringComparison.OrdinalIgnoreCase))
            parts.Add(description.Length > MaxDescription ? description[..MaxDescription].TrimEnd() : description);
        var keywords = metadata.Keywords.Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxKeywords).ToList();
        if (keywords.Count > 0) parts.Add("keywords: " + string.Join(", ", keywords));
        return string.Join(". ", parts);
    }

    /// <summary>Letters and digits only, so "AZ-lizard" holds "az lizard".</summary>
    static string Letters(string text) => new(text.Where(char.IsLetterOrDigit).ToArray());

    /// <summary>The file name's words without the trailing number and without (prefixes of) the creator's name.</summary>
    static string StemWords(string stem, string creator)
    {
        var names = creator.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(n => n.ToLowerInvariant()).ToList();
        var words = stem.Split(['_', '-', ' '], StringSplitOptions.RemoveEmptyEntries).ToList();
        while (words.Count > 0 && words[^1].All(char.IsDigit)) words.RemoveAt(words.Count - 1);
        words.RemoveAll(w => w.Length >= 3 && names.Any(n => n.StartsWith(w.ToLowerInvariant(), StringComparison.Ordinal)));
        return string.Join(' ', words);
    }
}
