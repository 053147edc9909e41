namespace MoDE.Data.Ingest;

/// <summary>
/// Which columns of a manifest (CSV, TSV, Parquet) hold the key, the image and the caption, found by name as
/// img2dataset and common datasets spell them (case ignored, first match wins):
/// key: <c>key</c>, <c>id</c>; image path: <c>image_path</c>, <c>filepath</c>, <c>file_path</c>, <c>path</c>,
/// <c>file</c>, <c>image</c>, <c>url</c>; image bytes (Parquet binary columns): <c>jpg</c>, <c>png</c>, <c>webp</c>,
/// <c>image</c>, <c>image_bytes</c>, <c>bytes</c>; caption: <c>caption</c>, <c>text</c>, <c>title</c>, <c>alt</c>.
/// A relative image path is relative to the manifest's folder, and must lead to a file inside it (<see cref="DataPath"/>:
/// <c>../</c>, absolute paths, <c>file://</c> and symbolic links that leave the folder are counted as
/// <see cref="SkipReason.UnsafePath"/> unless outside paths are allowed); http(s), s3 and gs URLs are counted as
/// <see cref="SkipReason.RemoteImage"/> (download with img2dataset first). Pair ids are given by
/// <see cref="ManifestRowIds"/>: the manifest's name, a slash, and the key (else the image path, numbered when
/// the path repeats, else the row number).
/// </summary>
public sealed record ManifestColumns(int? Key, int? ImagePath, int? ImageBytes, int Caption)
{
    public static readonly string[] KeyNames = ["key", "id"];
    public static readonly string[] ImagePathNames = ["image_path", "filepath", "file_path", "path", "file", "image", "url"];
    public static readonly string[] ImageBytesNames = ["jpg", "png", "webp", "image", "image_bytes", "bytes"];
    public static readonly string[] CaptionNames = ["caption", "text", "title", "alt"];

    /// <summary>
    /// Finds the columns in <paramref name="names"/>; <paramref name="isBinary"/> tells which columns hold bytes
    /// (none in CSV) and <paramref name="isText"/> which hold text (all in CSV). Throws naming the file and the columns it has when no image or no caption column is found.
    /// </summary>
    public static ManifestColumns Find(IReadOnlyList<string> names, Func<int, bool> isBinary, Func<int, bool> isText, string where)
    {
        int? Find(string[] wanted, Func<int, bool> accept)
        {
            foreach (string name in wanted)
                for (int i = 0; i < names.Count; i++)
                    if (string.Equals(names[i].Trim(), name, StringComparison.OrdinalIgnoreCase) && accept(i)) return i;
            return null;
        }
        int? bytes = Find(ImageBytesNames, isBinary);
        int? path = bytes is null ? Find(ImagePathNames, isText) : null;
        int? caption = Find(CaptionNames, isText);
        string columns = string.Join(", ", names.Select(n => $"'{n}'"));
        if (bytes is null && path is null)
            throw new InvalidDataException($"{where}: no image column; expected one of {string.Join(", ", ImagePathNames)} (a path) or a binary {string.Join(", ", ImageBytesNames)}; the manifest has {columns}");
        if (caption is null)
            throw new InvalidDataException($"{where}: no caption column; expected one of {string.Join(", ", CaptionNames)}; the manifest has {columns}");
        return new ManifestColumns(Find(KeyNames, isText), path, bytes, caption.Value);
    }

    /// <summary>
    /// The record of one row, or null when it is skipped (counted in <paramref name="report"/>).
    /// <paramref name="row"/> counts data rows from 1; <paramref name="ids"/> names the rows of this manifest, in order;
    /// <paramref name="data"/> is the manifest's folder, where its image paths must lead.
    /// </summary>
    public static SourceRecord? Record(DataPath data, ManifestRowIds ids, long row, string? key, string? imagePath, byte[]? imageBytes, string? caption, IngestReport report)
    {
        string id = ids.Next(row, key, imagePath);
        if (SourceCaption.FromText(caption, out string text) is { } problem) { report.Skip(problem, id); return null; }
        if (imageBytes is not null) return new SourceRecord(id, text, ImageBytes: imageBytes);
        if (string.IsNullOrWhiteSpace(imagePath)) { report.Skip(SkipReason.MissingImage, id, "empty image column"); return null; }
        string path = imagePath.Trim();
        if (path.Contains("://") && !path.StartsWith("file://", StringComparison.OrdinalIgnoreCase)) { report.Skip(SkipReason.RemoteImage, id, path); return null; }
        if (data.Resolve(path, out string outside) is not { } real) { report.Skip(SkipReason.UnsafePath, id, outside); return null; }
        return new SourceRecord(id, text, ImagePath: real);
    }
}
