namespace MoDE.Data.Ingest;

/// <summary>
/// A CSV or TSV manifest (as img2dataset's input or output lists): a header row naming the columns
/// (<see cref="ManifestColumns"/>), then one row per pair with a local image path and a caption, read by
/// <see cref="DelimitedText"/>. The text is UTF-8; bytes that are not become U+FFFD and such captions are counted as
/// <see cref="SkipReason.InvalidUtf8"/>. A malformed file throws naming file, line and column, as does a record
/// holding more memory than the largest record may (<see cref="SourceOptions.MaxRecordBytes"/>), as soon as it is
/// seen. <paramref name="name"/> begins the pair ids (<see cref="ManifestRowIds"/>); by default the file name
/// without extension. Image paths must stay inside the manifest's folder unless
/// <see cref="SourceOptions.AllowOutsidePaths"/> (<see cref="DataPath"/>).
/// </summary>
public sealed class CsvManifestReader(string path, char delimiter, SourceOptions options, string? name = null) : IPairReader
{
    public string Path { get; } = path;

    public string Name { get; } = name ?? System.IO.Path.GetFileNameWithoutExtension(path);

    public IEnumerable<SourceRecord> Read(IngestReport report)
    {
        ManifestColumns? columns = null;
        var ids = new ManifestRowIds(Name);
        var data = DataPath.Beside(Path, options.AllowOutsidePaths);
        long row = 0;
        foreach (var (line, fields) in DelimitedText.Read(SourceFile.OpenRead(Path), Path, delimiter, options.MaxRecordBytes / sizeof(char)))
        {
            if (columns is null) { columns = ManifestColumns.Find(fields, _ => false, _ => true, $"{Path}:{line}"); continue; }
            row++;
            string? Field(int? index) => index is int i ? fields[i] : null;
            if (ManifestColumns.Record(data, ids, row, Field(columns.Key), Field(columns.ImagePath), null, fields[columns.Caption], report) is { } record)
                yield return record;
        }
        if (columns is null) throw new InvalidDataException($"{Path}:1:1: empty manifest (no header row)");
    }
}
