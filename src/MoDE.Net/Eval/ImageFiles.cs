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

    /// <summary>One file as size x size x RGB bytes.</summary>
    public static byte[] Decode(string path, int size)
    {
        var decoder = ImageDecoder.For(Limits with { ImageSize = size });
        var rgb = new byte[decoder.ImageBytes];
        if (Decode(path, decoder, rgb) is { } problem) throw new InvalidDataException(problem);
        return rgb;
    }

    /// <summary>Decodes one file into <paramref name="rgb"/>; null, or the one-line reason it cannot be used.</summary>
    static string? Decode(string path, ImageDecoder decoder, Span<byte> rgb)
    {
        try
        {
            return SourceIngest.Decode(new SourceRecord(path, "", ImagePath: path), decoder, Limits.MaxImageBytes, rgb) is { } skip
                ? $"{path}: {IngestReport.Key(skip.Reason)}{(skip.Detail is null || skip.Detail == path ? "" : $" ({skip.Detail})")}"
                : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException) // whatever a codec throws ends as one line naming the file
        {
            return $"{path}: cannot be read ({e.GetType().Name}: {e.Message})";
        }
    }
}
