using Parquet.Schema;
using Parquet;

namespace MoDE.Data.Ingest;

/// <summary>
/// A Parquet manifest: string columns for the caption and either a local image path or, in a binary column, the
/// encoded image itself (<see cref="ManifestColumns"/>; a struct column <c>image</c> with a <c>bytes</c> field, as
/// Hugging Face writes images, is found by its <c>bytes</c> leaf). Read one row group at a time. A file that is
/// not Parquet throws naming the file. <paramref name="name"/> begins the pair ids (<see cref="ManifestRowIds"/>);
/// by default the file name without extension. Image paths must stay inside the manifest's folder unless
/// <paramref name="allowOutsidePaths"/> (<see cref="DataPath"/>).
/// </summary>
public sealed class ParquetManifestReader(string path, string? name = null, bool allowOutsidePaths = false) : IPairReader
{
    public string Path { get; } = path;

    public string Name { get; } = name ?? System.IO.Path.GetFileNameWithoutExtension(path);

    public IEnumerable<SourceRecord> Read(IngestReport report)
    {
        ParquetReader reader;
        try { reader = ParquetReader.CreateAsync(Path).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is not OutOfMemoryException) { throw new InvalidDataException($"{Path}: not a readable Parquet file ({e.Message})", e); }
        try
        {
            var fields = reader.Schema.GetDataFields();
            bool IsBinary(int i) => !fields[i].IsArray && (fields[i].ClrType == typeof(byte[]) || fields[i].ClrType == typeof(ReadOnlyMemory<byte>));
            bool IsText(int i) => !fields[i].IsArray && (fields[i].ClrType == typeof(string) || fields[i].ClrType == typeof(ReadOnlyMemory<char>));
            var columns = ManifestColumns.Find(fields.Select(f => f.Name).ToList(), IsBinary, IsText, Path);
            long row = 0;
            var ids = new ManifestRowIds(Name);
            var data = new DataPath(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!, allowOutsidePaths);
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                string?[]? keys, paths, captions;
                byte[]?[]? images;
                try
                {
                    using var rows = reader.OpenRowGroupReader(group);
                    int count = checked((int)rows.RowCount);
                    keys = columns.Key is int k ? Strings(rows, fields[k], count) : null;
                    paths = columns.ImagePath is int p ? Strings(rows, fields[p], count) : null;
                    images = columns.ImageBytes is int b ? Bytes(rows, fields[b], count) : null;
                    captions = Strings(rows, fields[columns.Caption], count);
                }
                catch (Exception e) when (e is not (OutOfMemoryException or InvalidDataException))
                {
                    throw new InvalidDataException($"{Path}: row group {group} cannot be read ({e.Message})", e);
                }
                for (int i = 0; i < captions.Length; i++)
                {
                    row++;
                    if (ManifestColumns.Record(data, ids, row, keys?[i], paths?[i], images?[i], captions[i], report) is { } record)
                        yield return record;
                }
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    static string?[] Strings(ParquetRowGroupReader rows, DataField field, int count)
    {
        var values = new string?[count];
        rows.ReadAsync(field, values.AsMemory()).GetAwaiter().GetResult();
        return values;
    }

    static byte[]?[] Bytes(ParquetRowGroupReader rows, DataField field, int count)
    {
        var values = new byte[]?[count];
        rows.ReadAsync(field, values.AsMemory()).GetAwaiter().GetResult();
        return values;
    }
}
