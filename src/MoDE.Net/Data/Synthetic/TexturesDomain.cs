using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>Two-colour textures and patterns filling the whole image: the wallpaper and fabric part of the web.</summary>
internal sealed class TexturesDomain : SyntheticDomain
{
    public override string Name => "textures";

    public override IReadOnlyList<SyntheticClass> Classes { get; } =
    [
        new("striped pattern", ["stripes", "striped pattern", "pinstripes", "striped fabric"]),
        new("checkerboard", ["checkerboard", "checkered pattern", "chessboard pattern", "checks"]),
        new("polka dot pattern", ["polka dots", "dotted pattern", "spotty pattern"]),
        new("zigzag pattern", ["zigzag pattern", "chevron pattern", "zigzag lines"]),
        new("grid", ["grid", "graph paper", "square grid", "lattice"]),
        new("wave pattern", ["waves", "wavy lines", "wave pattern", "ripples"]),
        new("brick wall", ["brick wall", "bricks", "brickwork"]),
        new("plaid fabric", ["plaid", "tartan", "plaid fabric", "flannel pattern"]),
        new("honeycomb", ["honeycomb", "hexagonal tiles", "hex mesh"]),
        new("spiral", ["spiral", "swirl", "hypnotic spiral"]),
        new("crosshatch pattern", ["crosshatch pattern", "cross-hatching", "hatched texture"]),
        new("speckled surface", ["speckles", "speckled surface", "terrazzo", "confetti pattern"]),
    ];

    public override IReadOnlyList<string> Templates { get; } =
        ["a photo of a {}.", "a close-up photo of a {}.", "a {} texture.", "a seamless {} background.", "a swatch of {}.", "a wallpaper with a {}."];

    static readonly Func<string, Look, string>[] Phrasings =
    [
        (w, _) => $"{w} texture",
        (w, l) => $"seamless {l.Colour} and {l.Background} {w}",
        (w, l) => $"{w} background, {l.Colour}",
        (w, l) => $"close-up of {l.Size} {w} in {l.Colour} and {l.Background}",
        (w, _) => $"abstract {w} wallpaper",
        (w, l) => $"fabric swatch with {l.Colour} {w}",
        (w, l) => $"{l.Colour} {w}",
        (w, _) => $"free {w} texture download",
        (w, l) => $"{l.Size} {l.Colour} {w} on {l.Background}",
    ];

    internal override Look Draw(SKCanvas canvas, int classIndex, Random rng)
    {
        var background = Palette.Background(rng);
        var colour = Palette.ForegroundAgainst(background.Colour, rng);
        canvas.Clear(background.Colour);
        using var paint = new SKPaint { IsAntialias = true, Color = colour.Colour, StrokeCap = SKStrokeCap.Butt };
        float scale = rng.Range(0.75, 1.35); // pattern size relative to the class's typical size
        canvas.Save();
        canvas.Translate(50, 50);
        canvas.RotateDegrees(classIndex switch { 0 => rng.Range(0, 180), 8 => rng.Range(0, 60), 10 => 45 + rng.Range(-10, 10), 6 => rng.Range(-5, 5), _ => rng.Range(-15, 15) });
        canvas.Translate(rng.Range(-60, -40), rng.Range(-60, -40)); // random phase; patterns cover -40..140 so rotation leaves no gaps
        switch (classIndex)
        {
            case 0: Stripes(canvas, paint, 18 * scale); break;
            case 1: Checkerboard(canvas, paint, 17 * scale); break;
            case 2: Dots(canvas, paint, 24 * scale, rng.Range(0.22, 0.32)); break;
            case 3: Zigzag(canvas, paint, 20 * scale); break;
            case 4: Grid(canvas, paint, 22 * scale, 4.5f); break;
            case 5: Waves(canvas, paint, 17 * scale, rng.Range(35, 55)); break;
            case 6: Bricks(canvas, paint, 14 * scale); break;
            case 7: Plaid(canvas, paint, Palette.ForegroundAgainst(background.Colour, rng).Colour, 30 * scale); break;
            case 8: Honeycomb(canvas, paint, 11 * scale); break;
            case 9: Spiral(canvas, paint, 13 * scale, rng); break;
            case 10: Grid(canvas, paint, 10 * scale, 2.8f); break;
            case 11: Speckles(canvas, paint, Palette.ForegroundAgainst(background.Colour, rng).Colour, rng); break;
            default: throw new ArgumentOutOfRangeException(nameof(classIndex));
        }
        canvas.Restore();
        string size = scale < 0.9f ? rng.Pick(["fine", "small", "tiny"]) : scale > 1.2f ? rng.Pick(["bold", "large", "big"]) : "";
        return new Look(colour.Name, size, "", background.Name);
    }

    internal override string Caption(int classIndex, Look look, Random rng) => rng.Pick(Phrasings)(Word(classIndex, rng), look);

    const float From = -40, To = 140;

    static void Stripes(SKCanvas canvas, SKPaint paint, float period)
    {
        for (float x = From; x < To; x += period) canvas.DrawRect(x, From, period / 2, To - From, paint);
    }

    static void Checkerboard(SKCanvas canvas, SKPaint paint, float cell)
    {
        int row = 0;
        for (float y = From; y < To; y += cell, row++)
            for (float x = From + (row % 2) * cell; x < To; x += 2 * cell) canvas.DrawRect(x, y, cell, cell, paint);
    }

    static void Dots(SKCanvas canvas, SKPaint paint, float spacing, float radiusShare)
    {
        int row = 0;
        for (float y = From; y < To; y += spacing * 0.87f, row++)
            for (float x = From + (row % 2) * spacing / 2; x < To; x += spacing) canvas.DrawCircle(x, y, spacing * radiusShare, paint);
    }

    static void Zigzag(SKCanvas canvas, SKPaint paint, float spacing)
    {
        paint.Style = SKPaintStyle.Stroke;
        paint.StrokeWidth = spacing * 0.3f;
        paint.StrokeJoin = SKStrokeJoin.Miter;
        using var path = new SKPathBuilder();
        for (float y = From; y < To; y += spacing)
        {
            path.MoveTo(From, y);
            for (int i = 1; From + i * spacing / 2 < To + spacing; i++) path.LineTo(From + i * spacing / 2, y + (i % 2 == 1 ? spacing * 0.4f : 0));
        }
        canvas.DrawPath(path, paint);
    }

    static void Grid(SKCanvas canvas, SKPaint paint, float cell, float line)
    {
        for (float v = From; v < To; v += cell)
        {
            canvas.DrawRect(v, From, line, To - From, paint);
            canvas.DrawRect(From, v, To - From, line, paint);
        }
    }

    static void Waves(SKCanvas canvas, SKPaint paint, float spacing, float wavelength)
    {
        paint.Style = SKPaintStyle.Stroke;
        paint.StrokeWidth = spacing * 0.4f;
        using var path = new SKPathBuilder();
        for (float y = From; y < To; y += spacing)
        {
            path.MoveTo(From, y);
            for (float x = From; x < To; x += 2) path.LineTo(x, y + spacing * 0.35f * MathF.Sin(x * 2 * MathF.PI / wavelength));
        }
        canvas.DrawPath(path, paint);
    }

    static void Bricks(SKCanvas canvas, SKPaint paint, float height)
    {
        float width = height * 2.1f, mortar = Math.Max(2.5f, height * 0.18f);
        int row = 0;
        for (float y = From; y < To; y += height, row++)
            for (float x = From - (row % 2) * width / 2; x < To; x += width)
                canvas.DrawRect(x + mortar / 2, y + mortar / 2, width - mortar, height - mortar, paint);
    }

    static void Plaid(SKCanvas canvas, SKPaint paint, SKColor second, float period)
    {
        var first = paint.Color;
        paint.Color = first.WithAlpha(150);
        for (float v = From; v < To; v += period)
        {
            canvas.DrawRect(v, From, period * 0.35f, To - From, paint);
            canvas.DrawRect(From, v, To - From, period * 0.35f, paint);
        }
        paint.Color = second.WithAlpha(200);
        for (float v = From + period * 0.6f; v < To; v += period)
        {
            canvas.DrawRect(v, From, period * 0.1f, To - From, paint);
            canvas.DrawRect(From, v, To - From, period * 0.1f, paint);
        }
    }

    static void Honeycomb(SKCanvas canvas, SKPaint paint, float radius)
    {
        paint.Style = SKPaintStyle.Stroke;
        paint.StrokeWidth = Math.Max(2.5f, radius * 0.3f);
        using var path = new SKPathBuilder();
        float w = radius * MathF.Sqrt(3);
        int row = 0;
        for (float y = From; y < To; y += radius * 1.5f, row++)
            for (float x = From + (row % 2) * w / 2; x < To; x += w)
            {
                path.MoveTo(x + radius * MathF.Cos(MathF.PI / 6), y + radius * MathF.Sin(MathF.PI / 6));
                for (int k = 1; k <= 6; k++)
                    path.LineTo(x + radius * MathF.Cos(MathF.PI / 6 + k * MathF.PI / 3), y + radius * MathF.Sin(MathF.PI / 6 + k * MathF.PI / 3));
            }
        canvas.DrawPath(path, paint);
    }

    static void Spiral(SKCanvas canvas, SKPaint paint, float spacing, Random rng)
    {
        paint.Style = SKPaintStyle.Stroke;
        paint.StrokeWidth = spacing * 0.5f;
        float cx = 50 + rng.Range(-12, 12), cy = 50 + rng.Range(-12, 12), turn = rng.Chance(0.5) ? 1 : -1;
        using var path = new SKPathBuilder();
        path.MoveTo(cx, cy);
        for (float a = 0; a < 9 * 2 * MathF.PI; a += 0.1f)
        {
            float r = spacing * a / (2 * MathF.PI);
            path.LineTo(cx + r * MathF.Cos(turn * a), cy + r * MathF.Sin(turn * a));
        }
        canvas.DrawPath(path, paint);
    }

    static void Speckles(SKCanvas canvas, SKPaint paint, SKColor second, Random rng)
    {
        var first = paint.Color;
        for (int i = 0; i < 500; i++)
        {
            paint.Color = i % 3 == 2 ? second : first;
            canvas.DrawCircle(rng.Range(From, To), rng.Range(From, To), rng.Range(1.5, 3.2), paint);
        }
    }
}
