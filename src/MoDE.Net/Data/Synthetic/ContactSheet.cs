using System.Runtime.InteropServices;
using MoDE.Data;
using MoDE.Storage;
using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>A PNG grid of example images, one row per class with its name, for looking at a dataset.</summary>
internal static class ContactSheet
{
    const int Scale = 2, Gap = 2, LabelWidth = 130;

    /// <param name="labels">Image i's label (null: unlabelled), in image order, read once.</param>
    public static void Write(IEnumerable<string?> labels, ImageSet images, string pngPath, int perClass, IReadOnlyList<string> knownOrder)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        var rows = new Dictionary<string, List<int>>();
        int i = 0;
        foreach (string? name in labels)
        {
            if (i == images.Count) throw new ArgumentException($"more labels than the {images.Count} images", nameof(labels));
            string label = name ?? "(unlabelled)";
            if (!rows.TryGetValue(label, out var row)) rows[label] = row = [];
            if (row.Count < perClass) row.Add(i);
            i++;
        }
        var order = rows.Keys
            .OrderBy(l => knownOrder.IndexOf(l) is int k and >= 0 ? k : int.MaxValue)
            .ToList(); // OrderBy is stable: unknown labels keep the order they first appear in

        int cellW = images.Width * Scale + Gap, cellH = images.Height * Scale + Gap;
        int width = LabelWidth + perClass * cellW, height = Math.Max(1, order.Count) * cellH;
        var rgba = new byte[width * height * 4];
        for (int p = 0; p < rgba.Length; p += 4) { rgba[p] = rgba[p + 1] = rgba[p + 2] = 245; rgba[p + 3] = 255; }
        for (int r = 0; r < order.Count; r++)
        {
            var members = rows[order[r]];
            for (int c = 0; c < members.Count; c++)
            {
                var image = images.Image(members[c]);
                int left = LabelWidth + c * cellW, top = r * cellH;
                for (int y = 0; y < images.Height * Scale; y++)
                    for (int x = 0; x < images.Width * Scale; x++)
                    {
                        int source = ((y / Scale) * images.Width + x / Scale) * ImageSet.Channels;
                        int target = ((top + y) * width + left + x) * 4;
                        rgba[target] = image[source];
                        rgba[target + 1] = image[source + 1];
                        rgba[target + 2] = image[source + 2];
                    }
            }
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using (var canvas = new SKCanvas(bitmap))
        using (var font = new SKFont(Typefaces.Regular, 12))
        using (var paint = new SKPaint { IsAntialias = true, Color = SKColors.Black })
        {
            for (int r = 0; r < order.Count; r++)
                canvas.DrawText(order[r], 4, r * cellH + cellH / 2f + 4, SKTextAlign.Left, font, paint);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(pngPath, stream => data.SaveTo(stream));
    }

    static int IndexOf(this IReadOnlyList<string> list, string item)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == item) return i;
        return -1;
    }
}
