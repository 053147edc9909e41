using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>Letters and digits in several fonts, colours and angles, sometimes on a sticker: the typography part of the web.</summary>
internal sealed class CharactersDomain : SyntheticDomain
{
    static readonly string[] Glyphs = ["A", "B", "E", "G", "K", "M", "R", "X", "2", "3", "5", "7"];
    static readonly string[] DigitNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    public override string Name => "characters";

    public override IReadOnlyList<SyntheticClass> Classes { get; } = [.. Glyphs.Select(Class)];

    static SyntheticClass Class(string glyph) => char.IsDigit(glyph[0])
        ? new($"digit {glyph}", [$"number {glyph}", $"numeral {glyph}", $"number {DigitNames[glyph[0] - '0']}", $"digit {glyph}", $"figure {glyph}"])
        : new($"letter {glyph}", [$"capital {glyph}", $"uppercase letter {glyph}", $"alphabet letter {glyph}", $"character {glyph}", $"letter {glyph}"]);

    public override IReadOnlyList<string> Templates { get; } =
        ["a photo of a {}.", "a {} printed in a font.", "a {} in black and white.", "the character: {}.", "a sign showing a {}.", "a sticker of a {}."];

    static readonly Func<string, Look, string>[] Phrasings =
    [
        (w, l) => $"{l.Colour} {w} in a {l.Style} font",
        (w, l) => $"{w} printed in {l.Colour}",
        (w, _) => $"typography: {w}",
        (w, l) => $"{w} on a {l.Background} background",
        (w, l) => $"font sample, {w}, {l.Style}",
        (w, l) => $"a {l.Size} {l.Colour} {w} {l.Position}",
        (w, l) => $"{w} sticker, {l.Colour}",
        (w, l) => $"{w} glyph, {l.Style} typeface",
        (w, _) => w,
    ];

    internal override Look Draw(SKCanvas canvas, int classIndex, Random rng)
    {
        var background = Palette.Background(rng);
        var colour = Palette.ForegroundAgainst(background.Colour, rng);
        canvas.Clear(background.Colour);
        var font = rng.Pick(Typefaces.All);

        float share = rng.Range(0.45, 0.9);
        using var skFont = new SKFont(font.Typeface, share * 100) { Edging = SKFontEdging.Antialias };
        using var paint = new SKPaint { IsAntialias = true, Color = colour.Colour };
        skFont.MeasureText(Glyphs[classIndex], out var bounds, paint);
        float half = Math.Max(bounds.Width, bounds.Height) / 2;
        float x = rng.Range(Math.Min(half, 50), Math.Max(100 - half, 50)), y = rng.Range(Math.Min(half, 50), Math.Max(100 - half, 50));

        canvas.Save();
        canvas.Translate(x, y);
        canvas.RotateDegrees(rng.Range(-20, 20));
        bool sticker = rng.Chance(0.3);
        if (sticker)
        {
            // A badge in a third colour behind the glyph; the glyph keeps its contrast with the badge.
            var badge = Palette.ForegroundAgainst(colour.Colour, rng);
            using var badgePaint = new SKPaint { IsAntialias = true, Color = badge.Colour };
            float r = half * 1.25f;
            if (rng.Chance(0.5)) canvas.DrawCircle(0, 0, r, badgePaint);
            else canvas.DrawRoundRect(new SKRect(-r, -r, r, r), r * 0.3f, r * 0.3f, badgePaint);
        }
        canvas.DrawText(Glyphs[classIndex], -bounds.MidX, -bounds.MidY, SKTextAlign.Left, skFont, paint);
        canvas.Restore();

        return new Look(colour.Name, Palette.SizeWord(share, rng), Palette.PositionWords(x, y),
            background.Name, font.Style);
    }

    internal override string Caption(int classIndex, Look look, Random rng) => rng.Pick(Phrasings)(Word(classIndex, rng), look);
}
