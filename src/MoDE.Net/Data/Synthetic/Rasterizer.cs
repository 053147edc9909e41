using MoDE.Data;
using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>
/// Renders items into a preallocated height x width x RGB pixel block in parallel, one bitmap per worker. Each item
/// draws on a cleared canvas scaled to 100 x 100 units; the result does not depend on which worker drew it.
/// </summary>
internal sealed class Rasterizer : IDisposable
{
    readonly SKBitmap bitmap;
    readonly SKCanvas canvas;
    readonly int size;

    Rasterizer(int size)
    {
        this.size = size;
        bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul));
        canvas = new SKCanvas(bitmap);
    }

    public static void RenderAll(int count, int size, byte[] pixels, Action<int, SKCanvas> draw, IProgress<int>? progress, CancellationToken stop = default) =>
        Render(0, count, count, size, pixels, draw, progress, stop);

    /// <summary>
    /// Renders items 0..<paramref name="count"/> in chunks of at most <paramref name="chunkImages"/> into one reused buffer,
    /// handing each chunk's pixels (its images one after another) to <paramref name="write"/>, in item order: the same
    /// pixels as <see cref="RenderAll"/> with no more than one chunk in memory.
    /// </summary>
    public static void RenderInChunks(int count, int size, int chunkImages, Action<int, SKCanvas> draw, Action<ReadOnlySpan<byte>> write,
        IProgress<int>? progress, CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkImages, 1);
        int imageBytes = size * size * ImageSet.Channels;
        var buffer = new byte[(long)Math.Min(count, chunkImages) * imageBytes];
        for (int first = 0; first < count; first += chunkImages)
        {
            int images = Math.Min(chunkImages, count - first);
            Render(first, images, count, size, buffer, draw, progress, stop);
            write(buffer.AsSpan(0, images * imageBytes));
        }
    }

    /// <summary>Items <paramref name="first"/>.. into <paramref name="pixels"/> from its start; progress counts over all <paramref name="total"/> items.</summary>
    static void Render(int first, int count, int total, int size, byte[] pixels, Action<int, SKCanvas> draw, IProgress<int>? progress, CancellationToken stop)
    {
        int imageBytes = size * size * ImageSet.Channels, done = first;
        int reportEvery = Math.Max(1, total / 100);
        Parallel.For(0, count, new ParallelOptions { CancellationToken = stop }, () => new Rasterizer(size), (i, _, rasterizer) =>
        {
            rasterizer.Render(first + i, draw, pixels.AsSpan(i * imageBytes, imageBytes));
            int finished = Interlocked.Increment(ref done);
            if (progress is not null && (finished % reportEvery == 0 || finished == total)) progress.Report(finished);
            return rasterizer;
        }, rasterizer => rasterizer.Dispose());
    }

    void Render(int index, Action<int, SKCanvas> draw, Span<byte> rgb)
    {
        canvas.ResetMatrix();
        canvas.Clear(SKColors.White);
        int saved = canvas.Save();
        canvas.Scale(size / 100f);
        draw(index, canvas);
        canvas.RestoreToCount(saved);
        canvas.Flush();
        ReadOnlySpan<byte> rgba = bitmap.GetPixelSpan();
        for (int p = 0, q = 0; q < rgb.Length; p += 4, q += 3)
        {
            rgb[q] = rgba[p];
            rgb[q + 1] = rgba[p + 1];
            rgb[q + 2] = rgba[p + 2];
        }
    }

    public void Dispose()
    {
        canvas.Dispose();
        bitmap.Dispose();
    }
}

/// <summary>Drawing a path while it is still being built (SkiaSharp 4 builds paths with <see cref="SKPathBuilder"/>).</summary>
internal static class PathBuilderDrawing
{
    public static void DrawPath(this SKCanvas canvas, SKPathBuilder builder, SKPaint paint)
    {
        using var path = builder.Snapshot();
        canvas.DrawPath(path, paint);
    }
}
