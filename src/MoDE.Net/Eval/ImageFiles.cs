using MoDE.Data;
using MoDE.Data.Ingest;

namespace MoDE.Eval;

/// <summary>
/// Image files of a task folder to an <see cref="ImageSet"/> at a model's image size, read and decoded exactly as the
/// ingest stage reads a manifest's images (<see cref="SourceIngest"/>, <see cref="ImageDecoder"/>): the same size,
/// pixel and byte limits (<see cref="SourceOptions"/>' defaults), the same preprocessing (CLIP's: the shorter side
/// resized to the size, then the center square cut out; transparency over white), and the same refusals. An image
/// that cannot be used is an error naming the file and the reason, as the ingest report names it
/// (<c>tasks/x/cat/1.jpg: truncated_image</c>): a task is scored on all its images or not at all.
/// </summary>
public static class ImageFiles
{
    /// <summary>The ingest stage's limits, so ingest and evaluation accept the same images.</summary>
    static readonly SourceOptions Limits = new();

    public static ImageSet Load(IReadOnlyList<string> paths, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(size));
        var decoder = ImageDecoder.For(Limits with { ImageSize = size });
        int imageBytes = decoder.ImageBytes;
        var pixels = new byte[(long)paths.Count * imageBytes];
        var problems = new string?[paths.Count];
        Parallel.For(0, paths.Count, i => problems[i] = Decode(paths[i], decoder, pixels.AsSpan(i * imageBytes, imageBytes)));
        if (problems.FirstOrDefault(p => p is not null) is { } problem) throw new InvalidDataException(problem);
        return new ImageSet(paths.Count, size, size, pixels);
    }

    /// <summary>
    /// Encoded images already in memory (an upload) as an <see cref="ImageSet"/>, decoded as <see cref="Load(IReadOnlyList{string}, int)"/>
    /// decodes files, under <paramref name="limits"/>' byte and pixel limits (the ingest stage's by default). The first image
    /// that cannot be used is an <see cref="InvalidDataException"/> naming it and the reason (<c>images[2]: corrupt_image</c>).
    /// </summary>
    /// <param name="images">Each image's name (for the error) and its encoded bytes.</param>
    public static ImageSet Load(IReadOnlyList<(string Name, byte[] Bytes)> images, int size, SourceOptions? limits = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(size));
        limits ??= Limits;
        var decoder = ImageDecoder.For(limits with { ImageSize = size });
        int imageBytes = decoder.ImageBytes;
        var pixels = new byte[(long)images.Count * imageBytes];
        for (int i = 0; i < images.Count; i++)
            if (Decode(new SourceRecord(images[i].Name, "", ImageBytes: images[i].Bytes), images[i].Name, decoder, limits.MaxImageBytes, pixels.AsSpan(i * imageBytes, imageBytes)) is { } problem)
                throw new InvalidDataException(problem);
        return new ImageSet(images.Count, size, size, pixels);
    }

    /// <summary>One file as size x size x RGB bytes.</summary>
    public static byte[] Decode(string path, int size)
    {
        var decoder = ImageDecoder.For(Limits with { ImageSize = size });
        var rgb = new byte[decoder.ImageBytes];
        if (Decode(path, decoder, rgb) is { } problem) throw new InvalidDataException(problem);
        return rgb;
    }

    /// <summary>Decodes one file into <paramref name="rgb"/>; null, or the one-line reason it cannot be used.</summary>
    static string? Decode(string path, ImageDecoder decoder, Span<byte> rgb) =>
        Decode(new SourceRecord(path, "", ImagePath: path), path, decoder, Limits.MaxImageBytes, rgb);

    /// <summary>Decodes one record's image into <paramref name="rgb"/>; null, or the one-line reason it cannot be used, naming it <paramref name="name"/>.</summary>
    static string? Decode(SourceRecord record, string name, ImageDecoder decoder, long maxImageBytes, Span<byte> rgb)
    {
        try
        {
            return SourceIngest.Decode(record, decoder, maxImageBytes, rgb) is { } skip
                ? $"{name}: {IngestReport.Key(skip.Reason)}{(skip.Detail is null || skip.Detail == name ? "" : $" ({skip.Detail})")}"
                : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException) // whatever a codec throws ends as one line naming the image
        {
            return $"{name}: cannot be read ({e.GetType().Name}: {e.Message})";
        }
    }
}
