using System.Text.Json;
using System.Text;
using MoDE.Storage;

namespace MoDE.Data;

/// <summary>
/// Reads and writes a <see cref="PairSet"/>: captions as JSON lines (one <see cref="Pair"/> a line, in image
/// order) beside the images folder (<see cref="ImageSet"/>).
/// </summary>
public static class PairStore
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Save(PairSet pairs, string captionsPath, string imagesPath)
    {
        pairs.Images.Save(imagesPath);
        SaveCaptions(pairs.Pairs, captionsPath);
    }

    /// <summary>The captions file alone, for writers that stream the images (<see cref="ImageSetWriter"/>).</summary>
    public static void SaveCaptions(IEnumerable<Pair> pairs, string captionsPath) => AtomicFile.Write(captionsPath, stream =>
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
        foreach (var pair in pairs) writer.WriteLine(JsonSerializer.Serialize(pair, Json));
    });

    public static PairSet Load(string captionsPath, string imagesPath)
    {
        var pairs = ReadCaptions(captionsPath);
        var images = ImageSet.Open(imagesPath);
        try { RequireImagePerPair(pairs.Count, images, captionsPath, imagesPath); }
        catch { images.Dispose(); throw; }
        return new PairSet(pairs, images);
    }

    /// <summary>Throws, naming both files, unless <paramref name="images"/> holds one image per pair.</summary>
    public static void RequireImagePerPair(int pairs, IImageRows images, string captionsPath, string imagesPath)
    {
        if (images.Count != pairs) throw new InvalidDataException($"{captionsPath} holds {pairs} pairs but {imagesPath} holds {images.Count} images");
    }

    /// <summary>The captions file alone; a malformed line is an error naming the file and line.</summary>
    public static List<Pair> ReadCaptions(string path) => StreamCaptions(path).ToList();

    /// <summary>
    /// The captions file one pair at a time, in file order, holding no more than the current line; a malformed line is
    /// an error naming the file and line when the reader reaches it.
    /// </summary>
    public static IEnumerable<Pair> StreamCaptions(string path)
    {
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            Pair? pair;
            try { pair = JsonSerializer.Deserialize<Pair>(text, Json); }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{line}: not a pair record ({e.Message})", e); }
            if (pair?.Id is null) throw new InvalidDataException($"{path}:{line}: pair record without an id");
            yield return pair with { Caption = pair.Caption ?? "" };
        }
    }
}
