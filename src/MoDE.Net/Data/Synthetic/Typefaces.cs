using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>
/// The DejaVu fonts the synthetic web draws text with, loaded once and shared by all threads. The default typeface
/// has no glyphs on minimal Linux installs, so fonts come from files.
/// </summary>
internal static class Typefaces
{
    public sealed record Font(SKTypeface Typeface, string Style);

    static readonly (string File, string Style)[] Files =
    [
        ("DejaVuSans.ttf", "sans-serif"), ("DejaVuSans-Bold.ttf", "bold"), ("DejaVuSans-Oblique.ttf", "italic"),
        ("DejaVuSerif.ttf", "serif"), ("DejaVuSerif-Bold.ttf", "bold serif"), ("DejaVuSerif-Italic.ttf", "italic serif"),
        ("DejaVuSansMono.ttf", "monospace"), ("DejaVuSansMono-Bold.ttf", "bold monospace"),
        ("DejaVuSansCondensed.ttf", "condensed"), ("DejaVuSans-ExtraLight.ttf", "thin"),
    ];

    static readonly string[] Folders =
        ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF", "/usr/local/share/fonts", "/Library/Fonts", @"C:\Windows\Fonts"];

    static readonly Lazy<IReadOnlyList<Font>> all = new(Load);

    /// <summary>All fonts found, in a fixed order (the order of <see cref="Files"/>), so random picks are reproducible.</summary>
    public static IReadOnlyList<Font> All => all.Value;

    public static SKTypeface Regular => All[0].Typeface;

    static IReadOnlyList<Font> Load()
    {
        var fonts = new List<Font>();
        foreach (var (file, style) in Files)
        {
            string? path = Folders.Select(f => Path.Combine(f, file)).FirstOrDefault(File.Exists);
            var typeface = path is null ? null : SKTypeface.FromFile(path);
            if (typeface is not null) fonts.Add(new Font(typeface, style));
        }
        if (fonts.Count == 0)
            throw new InvalidOperationException(
                $"the synthetic web draws text with the DejaVu fonts, found none in {string.Join(", ", Folders)} (Debian/Ubuntu: apt-get install fonts-dejavu-core)");
        return fonts;
    }
}
