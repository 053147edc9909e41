using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>Simple outdoor scenes (sky, ground, a few landmarks), sometimes mirrored, hazy or dark: the travel-photo part of the web.</summary>
internal sealed class ScenesDomain : SyntheticDomain
{
    public override string Name => "scenes";

    public override IReadOnlyList<SyntheticClass> Classes { get; } =
    [
        new("beach", ["beach", "seaside", "sandy shore", "coast"]),
        new("forest", ["forest", "woods", "pine forest"]),
        new("night sky", ["night sky", "starry sky", "stars at night"]),
        new("desert", ["desert", "sand dunes", "dunes"]),
        new("snowy mountain", ["snowy mountain", "snow-capped peaks", "alps", "mountain range in winter"]),
        new("sunset", ["sunset", "dusk", "sundown", "evening sky"]),
        new("lake", ["lake", "pond", "lakeside"]),
        new("city skyline", ["city skyline", "downtown", "skyscrapers", "cityscape"]),
        new("meadow", ["meadow", "grassland", "green field", "pasture"]),
        new("rainbow", ["rainbow", "rainbow over the hills", "rainbow in the sky"]),
        new("volcano", ["volcano", "erupting volcano", "lava mountain"]),
        new("thunderstorm", ["thunderstorm", "lightning storm", "storm clouds"]),
    ];

    public override IReadOnlyList<string> Templates { get; } =
        ["a photo of a {}.", "a landscape photo of a {}.", "a painting of a {}.", "a view of a {}.", "a postcard of a {}.", "a picture of the {}."];

    static readonly string[] Kinds = ["postcard", "landscape", "panorama", "scenery", "desktop background", "travel photo"];

    static readonly Func<string, Look, string>[] Phrasings =
    [
        (w, l) => $"{l.Colour} {w}",
        (w, l) => $"{l.Colour} {w} photo",
        (w, l) => $"landscape photo, {l.Colour} {w}",
        (w, _) => $"beautiful {w}",
        (w, _) => $"wallpaper: {w}",
        (w, _) => $"travel photo - {w}",
        (w, l) => $"{w}, {l.Style}",
        (w, _) => $"{w} view",
        (w, l) => $"{l.Style}: {w}",
    ];

    internal override Look Draw(SKCanvas canvas, int classIndex, Random rng)
    {
        using var paint = new SKPaint { IsAntialias = true };
        canvas.Save();
        if (rng.Chance(0.5)) canvas.Scale(-1, 1, 50, 0);
        float horizon = rng.Range(45, 70);
        switch (classIndex)
        {
            case 0: Beach(canvas, paint, rng, horizon); break;
            case 1: Forest(canvas, paint, rng, horizon); break;
            case 2: NightSky(canvas, paint, rng, horizon); break;
            case 3: Desert(canvas, paint, rng, horizon); break;
            case 4: SnowyMountain(canvas, paint, rng, horizon); break;
            case 5: Sunset(canvas, paint, rng, horizon); break;
            case 6: Lake(canvas, paint, rng, horizon); break;
            case 7: CitySkyline(canvas, paint, rng, horizon); break;
            case 8: Meadow(canvas, paint, rng, horizon); break;
            case 9: Rainbow(canvas, paint, rng, horizon); break;
            case 10: Volcano(canvas, paint, rng, horizon); break;
            case 11: Thunderstorm(canvas, paint, rng, horizon); break;
            default: throw new ArgumentOutOfRangeException(nameof(classIndex));
        }
        canvas.Restore();

        // Light: most photos as they are, some hazy, some dark.
        string mood = "";
        double light = rng.NextDouble();
        if (light < 0.2) { Overlay(canvas, paint, new SKColor(255, 255, 255, (byte)rng.Next(50, 90))); mood = rng.Pick(["hazy", "misty", "foggy"]); }
        else if (light < 0.4) { Overlay(canvas, paint, new SKColor(0, 0, 0, (byte)rng.Next(50, 100))); mood = rng.Pick(["dark", "moody", "gloomy"]); }
        else if (light < 0.6) mood = rng.Pick(["beautiful", "scenic", "peaceful", "stunning"]);
        return new Look(Colour: mood, Style: rng.Pick(Kinds));
    }

    internal override string Caption(int classIndex, Look look, Random rng) => rng.Pick(Phrasings)(Word(classIndex, rng), look);

    static void Overlay(SKCanvas canvas, SKPaint paint, SKColor colour)
    {
        paint.Shader = null;
        paint.Color = colour;
        canvas.DrawRect(0, 0, 100, 100, paint);
    }

    static void Sky(SKCanvas canvas, SKPaint paint, Random rng, SKColor top, SKColor bottom, float to = 100)
    {
        using var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, to),
            [Palette.Jitter(top, rng, 15), Palette.Jitter(bottom, rng, 15)], SKShaderTileMode.Clamp);
        paint.Shader = shader;
        canvas.DrawRect(0, 0, 100, to, paint);
        paint.Shader = null;
    }

    static void Fill(SKCanvas canvas, SKPaint paint, SKColor colour, float top, Random rng, int jitter = 15)
    {
        paint.Color = Palette.Jitter(colour, rng, jitter);
        canvas.DrawRect(0, top, 100, 100 - top, paint);
    }

    static SKColor DaySky(Random rng) => Palette.Mix(new SKColor(90, 150, 230), new SKColor(160, 200, 245), rng.Range(0, 1));

    static void Beach(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, DaySky(rng), new SKColor(200, 230, 250), horizon);
        float shore = horizon + rng.Range(10, 22);
        paint.Color = Palette.Jitter(new SKColor(30, 110, 190), rng, 15);
        canvas.DrawRect(0, horizon, 100, shore - horizon, paint);
        paint.Color = Palette.Jitter(new SKColor(235, 210, 150), rng, 12);
        using var sand = new SKPathBuilder();
        sand.MoveTo(0, shore + rng.Range(-6, 6));
        sand.QuadTo(50, shore + rng.Range(-8, 8), 100, shore + rng.Range(-6, 6));
        sand.LineTo(100, 100);
        sand.LineTo(0, 100);
        sand.Close();
        canvas.DrawPath(sand, paint);
        if (rng.Chance(0.6)) { paint.Color = new SKColor(255, 225, 60); canvas.DrawCircle(rng.Range(10, 90), rng.Range(8, horizon - 15), rng.Range(5, 9), paint); }
        if (rng.Chance(0.5)) Umbrella(canvas, paint, rng, rng.Range(15, 85), Math.Min(shore + 20, 92));
    }

    static void Umbrella(SKCanvas canvas, SKPaint paint, Random rng, float x, float y)
    {
        paint.Color = new SKColor(90, 60, 30);
        canvas.DrawRect(x - 0.8f, y - 14, 1.6f, 14, paint);
        paint.Color = rng.Pick(Palette.Foregrounds).Colour;
        canvas.DrawArc(new SKRect(x - 10, y - 21, x + 10, y - 7), 180, 180, true, paint);
    }

    static void Forest(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, DaySky(rng), new SKColor(220, 235, 240), horizon);
        Fill(canvas, paint, new SKColor(40, 90, 35), horizon, rng);
        int trees = rng.Next(7, 12);
        for (int i = 0; i < trees; i++)
        {
            float x = rng.Range(-5, 105), baseY = horizon + rng.Range(0, 100 - horizon), height = rng.Range(30, 55);
            paint.Color = Palette.Jitter(new SKColor(90, 60, 30), rng, 10);
            canvas.DrawRect(x - 1.5f, baseY - 6, 3, 6, paint);
            paint.Color = Palette.Jitter(new SKColor(25, 95, 40), rng, 20);
            using var tree = new SKPathBuilder();
            tree.AddPoly([new(x, baseY - height), new(x + height * 0.3f, baseY - 5), new(x - height * 0.3f, baseY - 5)]);
            canvas.DrawPath(tree, paint);
        }
    }

    static void NightSky(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, new SKColor(5, 8, 30), new SKColor(25, 35, 90));
        int stars = rng.Next(25, 50);
        for (int i = 0; i < stars; i++)
        {
            paint.Color = Palette.Mix(new SKColor(255, 255, 255), new SKColor(255, 240, 170), rng.Range(0, 1));
            canvas.DrawCircle(rng.Range(0, 100), rng.Range(0, horizon + 20), rng.Range(0.7, 1.8), paint);
        }
        if (rng.Chance(0.6))
        {
            float x = rng.Range(15, 85), y = rng.Range(10, 35), r = rng.Range(6, 10);
            paint.Color = new SKColor(245, 245, 220);
            canvas.DrawCircle(x, y, r, paint);
            if (rng.Chance(0.5)) { paint.Color = new SKColor(8, 12, 40); canvas.DrawCircle(x + r * 0.5f, y - r * 0.2f, r * 0.85f, paint); }
        }
        if (rng.Chance(0.5)) Hills(canvas, paint, rng, horizon + 20, new SKColor(5, 10, 15));
    }

    static void Hills(SKCanvas canvas, SKPaint paint, Random rng, float y, SKColor colour)
    {
        paint.Color = Palette.Jitter(colour, rng, 10);
        using var hills = new SKPathBuilder();
        hills.MoveTo(0, y + rng.Range(-8, 8));
        hills.CubicTo(30, y + rng.Range(-15, 5), 60, y + rng.Range(-5, 15), 100, y + rng.Range(-8, 8));
        hills.LineTo(100, 100);
        hills.LineTo(0, 100);
        hills.Close();
        canvas.DrawPath(hills, paint);
    }

    static void Desert(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, new SKColor(120, 175, 230), new SKColor(235, 225, 200), horizon);
        if (rng.Chance(0.7)) { paint.Color = new SKColor(255, 240, 150); canvas.DrawCircle(rng.Range(10, 90), rng.Range(8, horizon - 15), rng.Range(5, 8), paint); }
        SKColor[] sand = [new(230, 180, 100), new(215, 155, 80), new(200, 135, 65)];
        for (int i = 0; i < 3; i++)
            Hills(canvas, paint, rng, horizon + i * (100 - horizon) / 3.5f, sand[i]);
        if (rng.Chance(0.5))
        {
            float x = rng.Range(15, 85), y = rng.Range(horizon + 15, 92);
            paint.Color = new SKColor(50, 130, 60);
            canvas.DrawRoundRect(new SKRect(x - 2.5f, y - 20, x + 2.5f, y), 2.5f, 2.5f, paint);
            canvas.DrawRoundRect(new SKRect(x - 9, y - 14, x - 5, y - 6), 2, 2, paint);
            canvas.DrawRect(x - 7, y - 8, 5, 2.5f, paint);
        }
    }

    static void SnowyMountain(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, DaySky(rng), new SKColor(215, 230, 245), horizon);
        int peaks = rng.Next(1, 4);
        for (int i = 0; i < peaks; i++)
        {
            float x = rng.Range(15, 85), top = rng.Range(8, 30), halfWidth = rng.Range(28, 45);
            var rock = Palette.Jitter(new SKColor(110, 110, 125), rng, 15);
            using var mountain = new SKPathBuilder();
            mountain.AddPoly([new(x, top), new(x + halfWidth, horizon + 5), new(x - halfWidth, horizon + 5)]);
            paint.Color = rock;
            canvas.DrawPath(mountain, paint);
            float capShare = rng.Range(0.3, 0.45), capY = top + (horizon + 5 - top) * capShare, capHalf = halfWidth * capShare;
            using var cap = new SKPathBuilder();
            cap.AddPoly([new(x, top), new(x + capHalf, capY), new(x + capHalf * 0.4f, capY - 3), new(x, capY + 2), new(x - capHalf * 0.5f, capY - 2), new(x - capHalf, capY)]);
            paint.Color = new SKColor(250, 250, 255);
            canvas.DrawPath(cap, paint);
        }
        Fill(canvas, paint, new SKColor(235, 240, 250), horizon + 4, rng, 8);
    }

    static void Sunset(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, Palette.Mix(new SKColor(90, 40, 120), new SKColor(200, 70, 90), rng.Range(0, 1)), new SKColor(250, 160, 60), horizon);
        paint.Color = Palette.Jitter(new SKColor(255, 200, 70), rng, 10);
        float x = rng.Range(25, 75), r = rng.Range(9, 16);
        canvas.DrawCircle(x, horizon, r, paint);
        bool sea = rng.Chance(0.5);
        Fill(canvas, paint, sea ? new SKColor(60, 40, 80) : new SKColor(30, 20, 30), horizon, rng, 10);
        if (sea)
        {
            paint.Color = new SKColor(250, 170, 80);
            for (int i = 0; i < 4; i++) canvas.DrawRect(x - r * (1 - i * 0.2f), horizon + 3 + i * 5, 2 * r * (1 - i * 0.2f), 1.6f, paint);
        }
    }

    static void Lake(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        horizon -= 10;
        Sky(canvas, paint, rng, DaySky(rng), new SKColor(210, 230, 245), horizon);
        Hills(canvas, paint, rng, horizon, new SKColor(60, 110, 70));
        Fill(canvas, paint, new SKColor(90, 160, 70), horizon + 6, rng);
        paint.Color = Palette.Jitter(new SKColor(50, 120, 200), rng, 20);
        float cx = rng.Range(35, 65), cy = rng.Range(horizon + 20, 80);
        canvas.DrawOval(cx, cy, rng.Range(30, 48), rng.Range(10, 18), paint);
        paint.Color = new SKColor(190, 220, 250, 160);
        for (int i = 0; i < 3; i++) canvas.DrawRect(cx - 12 + rng.Range(-8, 8), cy - 5 + i * 5, rng.Range(6, 14), 1.2f, paint);
    }

    static void CitySkyline(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        bool night = rng.Chance(0.4);
        if (night) Sky(canvas, paint, rng, new SKColor(15, 20, 50), new SKColor(70, 60, 110));
        else Sky(canvas, paint, rng, DaySky(rng), Palette.Mix(new SKColor(210, 230, 245), new SKColor(250, 190, 120), rng.Range(0, 1)));
        var building = night ? new SKColor(25, 25, 35) : new SKColor(70, 80, 100);
        float x = rng.Range(-8, 0);
        while (x < 100)
        {
            float width = rng.Range(8, 16), top = rng.Range(15, horizon);
            paint.Color = Palette.Jitter(building, rng, 15);
            canvas.DrawRect(x, top, width - 1, 100 - top, paint);
            paint.Color = night ? new SKColor(250, 220, 100) : new SKColor(170, 200, 230);
            for (float wy = top + 3; wy < 95; wy += 6)
                for (float wx = x + 2; wx < x + width - 3; wx += 4)
                    if (rng.Chance(night ? 0.5 : 0.8)) canvas.DrawRect(wx, wy, 1.8f, 2.5f, paint);
            x += width;
        }
    }

    static void Meadow(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, DaySky(rng), new SKColor(215, 235, 250), horizon);
        Clouds(canvas, paint, rng, new SKColor(255, 255, 255), rng.Next(0, 3), horizon * 0.6f);
        using (var grass = SKShader.CreateLinearGradient(new SKPoint(0, horizon), new SKPoint(0, 100),
            [Palette.Jitter(new SKColor(130, 190, 70), rng, 15), Palette.Jitter(new SKColor(60, 140, 40), rng, 15)], SKShaderTileMode.Clamp))
        {
            paint.Shader = grass;
            canvas.DrawRect(0, horizon, 100, 100 - horizon, paint);
            paint.Shader = null;
        }
        int flowers = rng.Next(15, 35);
        SKColor[] petals = [new(230, 40, 40), new(250, 220, 40), new(255, 255, 255), new(200, 90, 200)];
        for (int i = 0; i < flowers; i++)
        {
            paint.Color = rng.Pick(petals);
            canvas.DrawCircle(rng.Range(0, 100), rng.Range(horizon + 3, 100), rng.Range(0.9, 1.8), paint);
        }
    }

    static void Clouds(SKCanvas canvas, SKPaint paint, Random rng, SKColor colour, int count, float maxY)
    {
        for (int i = 0; i < count; i++)
        {
            float x = rng.Range(5, 95), y = rng.Range(5, Math.Max(6, maxY)), w = rng.Range(12, 22);
            paint.Color = Palette.Jitter(colour, rng, 8);
            canvas.DrawOval(x, y, w, w * 0.35f, paint);
            canvas.DrawCircle(x - w * 0.3f, y - w * 0.2f, w * 0.35f, paint);
            canvas.DrawCircle(x + w * 0.25f, y - w * 0.25f, w * 0.4f, paint);
        }
    }

    static void Rainbow(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, Palette.Mix(new SKColor(110, 160, 220), new SKColor(150, 160, 175), rng.Range(0, 1)), new SKColor(220, 230, 240));
        SKColor[] bands = [new(230, 40, 40), new(245, 140, 20), new(245, 225, 40), new(60, 180, 70), new(50, 110, 230), new(120, 60, 190)];
        float cx = rng.Range(30, 70), radius = rng.Range(38, 55), width = rng.Range(3.5, 5.5);
        paint.Style = SKPaintStyle.Stroke;
        paint.StrokeWidth = width;
        for (int i = 0; i < bands.Length; i++)
        {
            float r = radius - i * width;
            paint.Color = bands[i].WithAlpha(220);
            canvas.DrawArc(new SKRect(cx - r, horizon + 8 - r, cx + r, horizon + 8 + r), 180, 180, false, paint);
        }
        paint.Style = SKPaintStyle.Fill;
        Hills(canvas, paint, rng, horizon + 8, new SKColor(70, 150, 60));
    }

    static void Volcano(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, Palette.Mix(new SKColor(120, 120, 130), new SKColor(200, 110, 70), rng.Range(0, 1)), new SKColor(230, 190, 150));
        float x = rng.Range(35, 65), top = rng.Range(22, 38), crater = rng.Range(6, 10);
        Clouds(canvas, paint, rng, new SKColor(90, 85, 85), rng.Next(2, 4), top - 5);
        using var cone = new SKPathBuilder();
        cone.AddPoly([new(x - crater, top), new(x + crater, top), new(x + rng.Range(40, 55), horizon + 30), new(x - rng.Range(40, 55), horizon + 30)]);
        paint.Color = Palette.Jitter(new SKColor(80, 55, 40), rng, 12);
        canvas.DrawPath(cone, paint);
        Fill(canvas, paint, new SKColor(60, 45, 35), horizon + 28, rng);
        paint.Color = Palette.Jitter(new SKColor(250, 90, 20), rng, 10);
        canvas.DrawOval(x, top, crater, 2.5f, paint);
        int flows = rng.Next(1, 4);
        for (int i = 0; i < flows; i++)
        {
            float dx = rng.Range(-crater, crater);
            using var flow = new SKPathBuilder();
            flow.AddPoly([new(x + dx - 2, top), new(x + dx + 2, top), new(x + dx * 2.5f + 1.5f, top + rng.Range(12, 25)), new(x + dx * 2.5f - 1.5f, top + rng.Range(12, 25))]);
            canvas.DrawPath(flow, paint);
        }
    }

    static void Thunderstorm(SKCanvas canvas, SKPaint paint, Random rng, float horizon)
    {
        Sky(canvas, paint, rng, new SKColor(45, 45, 55), new SKColor(95, 95, 110));
        Clouds(canvas, paint, rng, new SKColor(30, 30, 38), rng.Next(3, 6), 25);
        Fill(canvas, paint, new SKColor(35, 45, 35), horizon + 15, rng, 10);
        paint.Color = Palette.Mix(new SKColor(255, 250, 200), new SKColor(255, 230, 70), rng.Range(0, 1));
        float x = rng.Range(25, 75), y = rng.Range(15, 25), end = horizon + 15;
        using var bolt = new SKPathBuilder();
        bolt.MoveTo(x, y);
        var right = new List<SKPoint>();
        while (y < end)
        {
            float step = rng.Range(8, 14), dx = rng.Range(-9, 9);
            bolt.LineTo(x + dx, y + step);
            right.Add(new SKPoint(x + dx + 2.5f, y + step - 3));
            x += dx; y += step;
        }
        for (int i = right.Count - 1; i >= 0; i--) bolt.LineTo(right[i]);
        bolt.Close();
        canvas.DrawPath(bolt, paint);
    }
}
