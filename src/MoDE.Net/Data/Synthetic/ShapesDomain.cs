using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>Coloured geometric shapes, filled or outlined, on plain backgrounds: the clipart and icon part of the web.</summary>
internal sealed class ShapesDomain : SyntheticDomain
{
    public override string Name => "shapes";

    public override IReadOnlyList<SyntheticClass> Classes { get; } =
    [
        new("circle", ["circle", "disc", "round shape", "circular shape"]),
        new("square", ["square", "square shape", "box", "block"]),
        new("triangle", ["triangle", "triangular shape", "delta shape"]),
        new("star", ["star", "five-pointed star", "star shape"]),
        new("hexagon", ["hexagon", "six-sided shape", "hex shape"]),
        new("cross", ["cross", "plus sign", "plus shape"]),
        new("heart", ["heart", "heart shape", "love heart"]),
        new("arrow", ["arrow", "arrow sign", "pointer"]),
        new("crescent", ["crescent", "crescent moon shape", "sickle shape"]),
        new("diamond", ["diamond", "rhombus", "lozenge"]),
        new("pentagon", ["pentagon", "five-sided shape", "pentagon shape"]),
        new("semicircle", ["semicircle", "half circle", "half disc"]),
    ];

    public override IReadOnlyList<string> Templates { get; } =
        ["a photo of a {}.", "a drawing of a {}.", "a {} shape.", "an icon of a {}.", "a simple {} on a plain background.", "clipart of a {}."];

    static readonly Func<string, Look, string>[] Phrasings =
    [
        (w, l) => $"a {l.Size} {l.Colour} {w} on a {l.Background} background",
        (w, l) => $"{l.Colour} {w} icon",
        (w, l) => $"Stock photo: {w} shape in {l.Colour}",
        (w, l) => $"{w} symbol, {l.Colour}, {l.Position}",
        (w, l) => $"vector illustration of a {l.Style} {l.Colour} {w}",
        (w, l) => $"geometric {w} clipart",
        (w, l) => $"a {l.Colour} {w} {l.Position}",
        (w, l) => $"{l.Size} {l.Style} {w} in {l.Colour} on {l.Background}",
        (w, _) => w,
    ];

    /// <summary>How far each class may be rotated, in degrees either way (a square turned 45 degrees is a diamond).</summary>
    static readonly float[] MaxRotation = [0, 20, 180, 180, 180, 20, 25, 180, 180, 15, 180, 180];

    internal override Look Draw(SKCanvas canvas, int classIndex, Random rng)
    {
        var background = Palette.Background(rng);
        var colour = Palette.ForegroundAgainst(background.Colour, rng);
        canvas.Clear(background.Colour);

        float share = rng.Range(0.35, 0.9), radius = share * 50;
        float x = rng.Range(radius * 0.9, 100 - radius * 0.9), y = rng.Range(radius * 0.9, 100 - radius * 0.9);
        bool outlined = rng.Chance(0.25);
        using var paint = new SKPaint
        {
            IsAntialias = true, Color = colour.Colour,
            Style = outlined ? SKPaintStyle.Stroke : SKPaintStyle.Fill, StrokeWidth = 8 / radius,
            StrokeJoin = SKStrokeJoin.Round,
        };
        using var path = Shape(classIndex);
        canvas.Save();
        canvas.Translate(x, y);
        canvas.RotateDegrees(rng.Range(-MaxRotation[classIndex], MaxRotation[classIndex]));
        canvas.Scale(radius);
        canvas.DrawPath(path, paint);
        canvas.Restore();

        return new Look(colour.Name, Palette.SizeWord(share, rng), Palette.PositionWords(x, y), background.Name,
            outlined ? rng.Pick(["outlined", "outline", "hollow"]) : rng.Chance(0.2) ? "solid" : "");
    }

    internal override string Caption(int classIndex, Look look, Random rng) => rng.Pick(Phrasings)(Word(classIndex, rng), look);

    /// <summary>The outline of a class, centred on the origin, about one unit in radius.</summary>
    static SKPath Shape(int classIndex)
    {
        using var path = new SKPathBuilder();
        switch (classIndex)
        {
            case 0: path.AddCircle(0, 0, 1); break;
            case 1: path.AddRect(new SKRect(-0.8f, -0.8f, 0.8f, 0.8f)); break;
            case 2: path.AddPoly(Polygon(3, 1, 0.2f)); break;
            case 3: path.AddPoly(Star(5, 1, 0.42f)); break;
            case 4: path.AddPoly(Polygon(6, 1, 0)); break;
            case 5: path.AddPoly(Cross(0.32f)); break;
            case 6: Heart(path); break;
            case 7: path.AddPoly([new(-1, -0.22f), new(0.15f, -0.22f), new(0.15f, -0.6f), new(1, 0), new(0.15f, 0.6f), new(0.15f, 0.22f), new(-1, 0.22f)]); break;
            case 8:
                using (var outer = Circle(0, 0, 1))
                using (var inner = Circle(0.45f, -0.2f, 0.85f))
                using (var crescent = outer.Op(inner, SKPathOp.Difference))
                    path.AddPath(crescent, SKPathAddMode.Append);
                break;
            case 9: path.AddPoly([new(0, -1), new(0.62f, 0), new(0, 1), new(-0.62f, 0)]); break;
            case 10: path.AddPoly(Polygon(5, 1, 0.1f)); break;
            case 11: path.AddArc(new SKRect(-1, -0.7f, 1, 1.3f), 180, 180); path.Close(); break;
            default: throw new ArgumentOutOfRangeException(nameof(classIndex));
        }
        return path.Detach();
    }

    static SKPath Circle(float x, float y, float radius)
    {
        using var builder = new SKPathBuilder();
        builder.AddCircle(x, y, radius);
        return builder.Detach();
    }

    static SKPoint[] Polygon(int sides, float radius, float shiftDown) =>
        [.. Enumerable.Range(0, sides).Select(i => Polar(radius, -90 + 360f * i / sides, shiftDown))];

    static SKPoint[] Star(int points, float outer, float inner) =>
        [.. Enumerable.Range(0, 2 * points).Select(i => Polar(i % 2 == 0 ? outer : inner, -90 + 180f * i / points, 0.05f))];

    static SKPoint Polar(float radius, float degrees, float shiftDown) =>
        new(radius * MathF.Cos(degrees * MathF.PI / 180), radius * MathF.Sin(degrees * MathF.PI / 180) + shiftDown);

    static SKPoint[] Cross(float half) =>
    [
        new(-half, -1), new(half, -1), new(half, -half), new(1, -half), new(1, half), new(half, half),
        new(half, 1), new(-half, 1), new(-half, half), new(-1, half), new(-1, -half), new(-half, -half),
    ];

    static void Heart(SKPathBuilder path)
    {
        path.MoveTo(0, 0.9f);
        path.CubicTo(-0.3f, 0.6f, -1.05f, 0.15f, -1, -0.35f);
        path.CubicTo(-0.95f, -0.95f, -0.15f, -1.05f, 0, -0.45f);
        path.CubicTo(0.15f, -1.05f, 0.95f, -0.95f, 1, -0.35f);
        path.CubicTo(1.05f, 0.15f, 0.3f, 0.6f, 0, 0.9f);
        path.Close();
    }
}
