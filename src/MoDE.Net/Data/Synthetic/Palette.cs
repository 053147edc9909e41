using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>Named colours for foregrounds and backgrounds, and the words for size and position.</summary>
internal static class Palette
{
    public readonly record struct Named(string Name, SKColor Colour);

    public static readonly Named[] Foregrounds =
    [
        new("red", new(220, 40, 40)), new("orange", new(245, 140, 20)), new("yellow", new(240, 210, 30)),
        new("green", new(40, 160, 60)), new("blue", new(40, 90, 220)), new("purple", new(130, 50, 180)),
        new("pink", new(240, 110, 170)), new("brown", new(130, 80, 40)), new("black", new(20, 20, 20)),
        new("white", new(250, 250, 250)), new("gray", new(128, 128, 128)), new("teal", new(20, 150, 150)),
    ];

    public static readonly Named[] Backgrounds =
    [
        new("white", new(255, 255, 255)), new("black", new(0, 0, 0)), new("light gray", new(210, 210, 210)),
        new("beige", new(235, 220, 190)), new("light blue", new(190, 215, 240)), new("dark blue", new(20, 30, 80)),
        new("pale yellow", new(250, 245, 200)), new("dark gray", new(60, 60, 60)),
    ];

    public static Named Background(Random rng)
    {
        var b = rng.Pick(Backgrounds);
        return b with { Colour = Jitter(b.Colour, rng, 10) };
    }

    /// <summary>A foreground colour that stands out against <paramref name="background"/>.</summary>
    public static Named ForegroundAgainst(SKColor background, Random rng)
    {
        while (true)
        {
            var f = rng.Pick(Foregrounds);
            if (Distance(f.Colour, background) > 150) return f with { Colour = Jitter(f.Colour, rng, 18) };
        }
    }

    public static SKColor Jitter(SKColor c, Random rng, int amount) => new(
        Clamp(c.Red + rng.Next(-amount, amount + 1)),
        Clamp(c.Green + rng.Next(-amount, amount + 1)),
        Clamp(c.Blue + rng.Next(-amount, amount + 1)));

    public static SKColor Mix(SKColor a, SKColor b, float t) => new(
        Clamp((int)(a.Red + (b.Red - a.Red) * t)), Clamp((int)(a.Green + (b.Green - a.Green) * t)), Clamp((int)(a.Blue + (b.Blue - a.Blue) * t)));

    static double Distance(SKColor a, SKColor b)
    {
        double dr = a.Red - b.Red, dg = a.Green - b.Green, db = a.Blue - b.Blue;
        return Math.Sqrt(dr * dr + dg * dg + db * db);
    }

    static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);

    /// <summary>"small", "" (medium) or "large", from the object's extent as a share of the image side.</summary>
    public static string SizeWord(float share, Random rng) =>
        share < 0.5f ? rng.Pick(["small", "small", "tiny", "little"]) : share > 0.75f ? rng.Pick(["large", "big", "large"]) : "";

    /// <summary>Where a point (in 0..100 units) lies: "in the center", "on the left", "in the top right corner", ...</summary>
    public static string PositionWords(float x, float y)
    {
        string column = x < 38 ? "left" : x > 62 ? "right" : "";
        string row = y < 38 ? "top" : y > 62 ? "bottom" : "";
        return (row, column) switch
        {
            ("", "") => "in the center",
            ("", _) => $"on the {column}",
            (_, "") => $"at the {row}",
            _ => $"in the {row} {column} corner",
        };
    }
}
