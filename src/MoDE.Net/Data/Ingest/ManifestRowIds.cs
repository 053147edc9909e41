namespace MoDE.Data.Ingest;

/// <summary>
/// The pair ids of one manifest's rows: the manifest's name, a slash, and the row's key; a row without a key
/// (no key column, or an empty key) is named by its image path, else by its row number. A key names one pair,
/// so a repeated key is a repeated id (and skipped as <see cref="SkipReason.DuplicateId"/>). An image path may
/// stand on several rows with different captions (several captions per image, as COCO lists them): its first row
/// gets the plain id and each later row a running suffix, <c>list/images/a.jpg</c>, <c>list/images/a.jpg#2</c>,
/// <c>list/images/a.jpg#3</c>, so every caption is kept as its own pair.
/// </summary>
public sealed class ManifestRowIds(string name)
{
    readonly Dictionary<string, int> _pathRows = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    /// <summary>The id of the next row; call once per data row, in file order. <paramref name="row"/> counts data rows from 1.</summary>
    public string Next(long row, string? key, string? imagePath)
    {
        if (!string.IsNullOrWhiteSpace(key)) return $"{Name}/{key.Trim()}";
        if (string.IsNullOrWhiteSpace(imagePath)) return $"{Name}/{row}";
        string path = imagePath.Trim();
        int seen = _pathRows.GetValueOrDefault(path) + 1;
        _pathRows[path] = seen;
        return seen == 1 ? $"{Name}/{path}" : $"{Name}/{path}#{seen}";
    }
}
