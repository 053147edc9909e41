using ScottPlot;

namespace MoDE.Report;

/// <summary>
/// What every report plot shares: the DejaVu Sans font (SkiaSharp's default typeface has no glyphs on a bare Linux
/// without fontconfig, so plots would lose all text), the expert colours and the PNG size.
/// </summary>
public static class PlotStyle
{
    public const int Width = 900, Height = 480;

    /// <summary>Where Debian and Ubuntu (fonts-dejavu-core) keep DejaVu Sans.</summary>
    public static readonly string[] FontFolders = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF"];

    static readonly Lazy<bool> FontsReady = new(() =>
    {
        foreach (string folder in FontFolders)
        {
            string regular = Path.Combine(folder, "DejaVuSans.ttf"), bold = Path.Combine(folder, "DejaVuSans-Bold.ttf");
            if (!File.Exists(regular)) continue;
            Fonts.AddFontFile("DejaVu Sans", regular, bold: false, italic: false);
            Fonts.AddFontFile("DejaVu Sans", File.Exists(bold) ? bold : regular, bold: true, italic: false);
            Fonts.Default = "DejaVu Sans";
            return true;
        }
        return false;
    });

    /// <summary>True when DejaVu Sans was found; without it plots render with whatever SkiaSharp finds (maybe no text).</summary>
    public static bool HasFont => FontsReady.Value;

    /// <summary>A new plot with the report's font and a title.</summary>
    public static Plot New(string title)
    {
        _ = FontsReady.Value;
        var plot = new Plot();
        plot.Title(title);
        plot.Axes.Title.Label.FontSize = 16;
        return plot;
    }

    /// <summary>The colour of expert <paramref name="expert"/> in every plot.</summary>
    public static Color Expert(int expert) => new ScottPlot.Palettes.Category10().GetColor(expert);

    public static byte[] Png(Plot plot, int width = Width, int height = Height) => plot.GetImageBytes(width, height, ImageFormat.Png);

    /// <summary>Category labels on an axis at 0, 1, 2, ...</summary>
    public static void Categories(IAxis axis, IReadOnlyList<string> labels)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), labels.ToArray());
        axis.MajorTickStyle.Length = 0;
        axis.MinorTickStyle.Length = 0;
    }
}
