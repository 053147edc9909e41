using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>Flat pictograms of everyday objects in one colour on a plain background: the emoji and icon-font part of the web.</summary>
internal sealed class ObjectsDomain : SyntheticDomain
{
    public override string Name => "objects";

    public override IReadOnlyList<SyntheticClass> Classes { get; } =
    [
        new("cup", ["cup", "mug", "coffee cup", "teacup"]),
        new("house", ["house", "home", "cottage"]),
        new("car", ["car", "automobile", "sedan"]),
        new("tree", ["tree", "oak tree", "leafy tree"]),
        new("umbrella", ["umbrella", "parasol", "rain umbrella"]),
        new("key", ["key", "door key", "house key"]),
        new("clock", ["clock", "wall clock", "timepiece"]),
        new("lamp", ["lamp", "table lamp", "desk lamp"]),
        new("sailboat", ["sailboat", "sailing boat", "yacht"]),
        new("chair", ["chair", "wooden chair", "seat"]),
        new("envelope", ["envelope", "mail envelope", "email icon"]),
        new("light bulb", ["light bulb", "bulb", "lightbulb", "idea icon"]),
    ];

    public override IReadOnlyList<string> Templates { get; } =
        ["a photo of a {}.", "an icon of a {}.", "a pictogram of a {}.", "a drawing of a {}.", "a {} emoji.", "a cartoon {}."];

    static readonly Func<string, Look, string>[] Phrasings =
    [
        (w, l) => $"{l.Colour} {w} icon",
        (w, l) => $"a {l.Size} {w} pictogram",
        (w, l) => $"flat {w} clipart on {l.Background}",
        (w, _) => $"{w} emoji",
        (w, l) => $"{w} symbol - {l.Colour}",
        (w, l) => $"simple drawing of a {w} {l.Position}",
        (w, l) => $"{l.Colour} {w} silhouette",
        (w, l) => $"cartoon {w}, {l.Colour} on {l.Background}",
        (w, _) => w,
    ];

    internal override Look Draw(SKCanvas canvas, int classIndex, Random rng)
    {
        var background = Palette.Background(rng);
        var colour = Palette.ForegroundAgainst(background.Colour, rng);
        canvas.Clear(background.Colour);

        float share = rng.Range(0.45, 0.9), radius = share * 50;
        float x = rng.Range(radius, 100 - radius), y = rng.Range(radius, 100 - radius);
        using var fg = new SKPaint { IsAntialias = true, Color = colour.Colour, StrokeCap = SKStrokeCap.Round };
        using var bg = new SKPaint { IsAntialias = true, Color = background.Colour, StrokeCap = SKStrokeCap.Round };
        canvas.Save();
        canvas.Translate(x, y);
        float turn = classIndex == 5 ? 45 : 15;
        canvas.RotateDegrees(rng.Range(-turn, turn));
        canvas.Scale(radius);
        string colourWord = colour.Name;
        switch (classIndex)
        {
            case 0: Cup(canvas, fg, bg, rng); break;
            case 1: House(canvas, fg, bg, rng); break;
            case 2: Car(canvas, fg, bg); break;
            case 3:
                if (rng.Chance(0.5)) { colourWord = "green"; Tree(canvas, fg, new SKColor(60, 150, 50), new SKColor(110, 70, 35), rng); }
                else Tree(canvas, fg, colour.Colour, colour.Colour, rng);
                break;
            case 4: Umbrella(canvas, fg); break;
            case 5: Key(canvas, fg); break;
            case 6: Clock(canvas, fg, bg, rng); break;
            case 7: Lamp(canvas, fg); break;
            case 8: Sailboat(canvas, fg); break;
            case 9: Chair(canvas, fg); break;
            case 10: Envelope(canvas, fg, bg); break;
            case 11: LightBulb(canvas, fg, bg, rng); break;
            default: throw new ArgumentOutOfRangeException(nameof(classIndex));
        }
        canvas.Restore();
        return new Look(colourWord, Palette.SizeWord(share, rng), Palette.PositionWords(x, y), background.Name);
    }

    internal override string Caption(int classIndex, Look look, Random rng) => rng.Pick(Phrasings)(Word(classIndex, rng), look);

    static void Poly(SKCanvas canvas, SKPaint paint, params SKPoint[] points)
    {
        using var path = new SKPathBuilder();
        path.AddPoly(points);
        canvas.DrawPath(path, paint);
    }

    static void Line(SKCanvas canvas, SKPaint paint, float width, float x0, float y0, float x1, float y1)
    {
        paint.Style = SKPaintStyle.Stroke;
        paint.StrokeWidth = width;
        canvas.DrawLine(x0, y0, x1, y1, paint);
        paint.Style = SKPaintStyle.Fill;
    }

    static void Ring(SKCanvas canvas, SKPaint paint, float width, float x, float y, float r)
    {
        paint.Style = SKPaintStyle.Stroke;
        paint.StrokeWidth = width;
        canvas.DrawCircle(x, y, r, paint);
        paint.Style = SKPaintStyle.Fill;
    }

    static void Cup(SKCanvas canvas, SKPaint fg, SKPaint bg, Random rng)
    {
        canvas.DrawRoundRect(new SKRect(-0.65f, -0.45f, 0.35f, 0.75f), 0.15f, 0.15f, fg);
        Ring(canvas, fg, 0.16f, 0.45f, 0.12f, 0.28f);
        if (rng.Chance(0.5)) canvas.DrawOval(-0.15f, 0.82f, 0.85f, 0.1f, fg);
        if (rng.Chance(0.5))
            for (int i = 0; i < 2; i++) Line(canvas, fg, 0.08f, -0.35f + i * 0.35f, -0.9f, -0.35f + i * 0.35f, -0.6f);
        canvas.DrawRect(-0.55f, -0.4f, 0.8f, 0.08f, bg); // the rim
    }

    static void House(SKCanvas canvas, SKPaint fg, SKPaint bg, Random rng)
    {
        canvas.DrawRect(-0.7f, -0.1f, 1.4f, 1.0f, fg);
        Poly(canvas, fg, new(-0.95f, -0.05f), new(0, -0.9f), new(0.95f, -0.05f));
        if (rng.Chance(0.6)) canvas.DrawRect(0.4f, -0.75f, 0.2f, 0.4f, fg);
        canvas.DrawRect(-0.15f, 0.4f, 0.3f, 0.5f, bg);
        if (rng.Chance(0.7)) { canvas.DrawRect(-0.55f, 0.1f, 0.25f, 0.25f, bg); canvas.DrawRect(0.3f, 0.1f, 0.25f, 0.25f, bg); }
    }

    static void Car(SKCanvas canvas, SKPaint fg, SKPaint bg)
    {
        canvas.DrawRoundRect(new SKRect(-1, -0.1f, 1, 0.45f), 0.15f, 0.15f, fg);
        Poly(canvas, fg, new(-0.6f, -0.05f), new(-0.35f, -0.55f), new(0.35f, -0.55f), new(0.65f, -0.05f));
        Poly(canvas, bg, new(-0.45f, -0.12f), new(-0.28f, -0.45f), new(-0.04f, -0.45f), new(-0.04f, -0.12f));
        Poly(canvas, bg, new(0.04f, -0.12f), new(0.04f, -0.45f), new(0.28f, -0.45f), new(0.5f, -0.12f));
        foreach (float x in (float[])[-0.55f, 0.55f])
        {
            canvas.DrawCircle(x, 0.45f, 0.32f, bg);
            canvas.DrawCircle(x, 0.45f, 0.25f, fg);
            canvas.DrawCircle(x, 0.45f, 0.09f, bg);
        }
    }

    static void Tree(SKCanvas canvas, SKPaint paint, SKColor leaves, SKColor trunk, Random rng)
    {
        paint.Color = trunk;
        Poly(canvas, paint, new(-0.1f, 0.1f), new(0.1f, 0.1f), new(0.16f, 1), new(-0.16f, 1));
        paint.Color = leaves;
        canvas.DrawCircle(0, -0.35f, 0.55f, paint);
        canvas.DrawCircle(-0.42f, 0.0f, 0.4f, paint);
        canvas.DrawCircle(0.42f, 0.0f, 0.4f, paint);
        if (rng.Chance(0.5)) canvas.DrawCircle(0, -0.75f, 0.3f, paint);
    }

    static void Umbrella(SKCanvas canvas, SKPaint fg)
    {
        using (var canopy = new SKPathBuilder())
        {
            canopy.AddArc(new SKRect(-1, -0.85f, 1, 0.75f), 180, 180);
            canopy.Close();
            canvas.DrawPath(canopy, fg);
        }
        Line(canvas, fg, 0.1f, 0, -0.05f, 0, 0.75f);
        fg.Style = SKPaintStyle.Stroke;
        fg.StrokeWidth = 0.1f;
        canvas.DrawArc(new SKRect(-0.3f, 0.6f, 0, 0.9f), 0, 180, false, fg);
        fg.Style = SKPaintStyle.Fill;
    }

    static void Key(SKCanvas canvas, SKPaint fg)
    {
        Ring(canvas, fg, 0.2f, -0.6f, 0, 0.3f);
        canvas.DrawRect(-0.3f, -0.08f, 1.3f, 0.16f, fg);
        canvas.DrawRect(0.6f, 0.05f, 0.12f, 0.28f, fg);
        canvas.DrawRect(0.82f, 0.05f, 0.12f, 0.2f, fg);
    }

    static void Clock(SKCanvas canvas, SKPaint fg, SKPaint bg, Random rng)
    {
        canvas.DrawCircle(0, 0, 1, fg);
        canvas.DrawCircle(0, 0, 0.8f, bg);
        for (int i = 0; i < 4; i++)
        {
            float a = i * MathF.PI / 2;
            Line(canvas, fg, 0.1f, 0.6f * MathF.Cos(a), 0.6f * MathF.Sin(a), 0.72f * MathF.Cos(a), 0.72f * MathF.Sin(a));
        }
        float hour = rng.Range(0, 2 * Math.PI), minute = rng.Range(0, 2 * Math.PI);
        Line(canvas, fg, 0.12f, 0, 0, 0.4f * MathF.Sin(hour), -0.4f * MathF.Cos(hour));
        Line(canvas, fg, 0.08f, 0, 0, 0.62f * MathF.Sin(minute), -0.62f * MathF.Cos(minute));
        canvas.DrawCircle(0, 0, 0.1f, fg);
    }

    static void Lamp(SKCanvas canvas, SKPaint fg)
    {
        Poly(canvas, fg, new(-0.6f, -0.2f), new(-0.3f, -0.85f), new(0.3f, -0.85f), new(0.6f, -0.2f));
        canvas.DrawRect(-0.06f, -0.2f, 0.12f, 0.9f, fg);
        canvas.DrawRoundRect(new SKRect(-0.45f, 0.68f, 0.45f, 0.88f), 0.08f, 0.08f, fg);
    }

    static void Sailboat(SKCanvas canvas, SKPaint fg)
    {
        Poly(canvas, fg, new(-0.95f, 0.45f), new(0.95f, 0.45f), new(0.6f, 0.8f), new(-0.6f, 0.8f));
        Line(canvas, fg, 0.07f, 0, -0.95f, 0, 0.45f);
        Poly(canvas, fg, new(0.08f, -0.9f), new(0.08f, 0.35f), new(0.8f, 0.35f));
        Poly(canvas, fg, new(-0.08f, -0.7f), new(-0.08f, 0.35f), new(-0.65f, 0.35f));
    }

    static void Chair(SKCanvas canvas, SKPaint fg)
    {
        canvas.DrawRect(-0.5f, -0.95f, 0.16f, 1.9f, fg);      // back post and back leg
        canvas.DrawRect(-0.5f, 0.0f, 1.0f, 0.16f, fg);        // seat
        canvas.DrawRect(0.34f, 0.0f, 0.16f, 0.95f, fg);       // front leg
        canvas.DrawRect(-0.5f, -0.75f, 0.3f, 0.12f, fg);      // back rails
        canvas.DrawRect(-0.5f, -0.4f, 0.3f, 0.12f, fg);
    }

    static void Envelope(SKCanvas canvas, SKPaint fg, SKPaint bg)
    {
        canvas.DrawRect(-1, -0.65f, 2, 1.3f, fg);
        bg.Style = SKPaintStyle.Stroke;
        bg.StrokeWidth = 0.1f;
        bg.StrokeJoin = SKStrokeJoin.Round;
        using var flap = new SKPathBuilder();
        flap.MoveTo(-0.92f, -0.55f);
        flap.LineTo(0, 0.12f);
        flap.LineTo(0.92f, -0.55f);
        canvas.DrawPath(flap, bg);
        bg.Style = SKPaintStyle.Fill;
    }

    static void LightBulb(SKCanvas canvas, SKPaint fg, SKPaint bg, Random rng)
    {
        canvas.DrawCircle(0, -0.3f, 0.58f, fg);
        Poly(canvas, fg, new(-0.34f, 0.05f), new(0.34f, 0.05f), new(0.24f, 0.5f), new(-0.24f, 0.5f));
        canvas.DrawRect(-0.24f, 0.5f, 0.48f, 0.35f, fg);
        canvas.DrawRect(-0.24f, 0.6f, 0.48f, 0.06f, bg);
        canvas.DrawRect(-0.24f, 0.74f, 0.48f, 0.06f, bg);
        if (rng.Chance(0.5))
            for (int i = 0; i < 5; i++)
            {
                float a = MathF.PI * (1.1f + 0.2f * i);
                Line(canvas, fg, 0.07f, 0.72f * MathF.Cos(a), -0.3f + 0.72f * MathF.Sin(a), 0.92f * MathF.Cos(a), -0.3f + 0.92f * MathF.Sin(a));
            }
    }
}
