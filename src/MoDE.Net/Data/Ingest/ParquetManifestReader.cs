using System.Buffers.Binary;
using Parquet.Schema;
using Parquet;

namespace MoDE.Data.Ingest;

/// <summary>
/// A Parquet manifest: string columns for the caption and either a local image path or, in a binary column, the
/// encoded image itself (<see cref="ManifestColumns"/>; a struct column <c>image</c> with a <c>bytes</c> field, as
/// Hugging Face writes images, is found by its <c>bytes</c> leaf). Read one row group at a time. A file that is
/// not Parquet throws naming the file. <paramref name="name"/> begins the pair ids (<see cref="ManifestRowIds"/>);
/// by default the file name without extension. Image paths must stay inside the manifest's folder unless
/// <see cref="SourceOptions.AllowOutsidePaths"/> (<see cref="DataPath"/>).
/// <para>Parquet.Net allocates what the file claims before it reads it, so the claims are checked first: the
/// footer's length against the file's size (the Parquet format: <c>PAR1</c>, the data, the footer, its 4-byte
/// little-endian length, <c>PAR1</c>) and against <see cref="SourceOptions.MaxBytesInFlight"/>; a row group is read
/// whole, so one whose columns claim more than that (uncompressed, plus a reference per cell) is skipped, its rows
/// counted together as <see cref="SkipReason.TooLarge"/>.</para>
/// </summary>
public sealed class ParquetManifestReader(string path, SourceOptions options, string? name = null) : IPairReader
{
    public string Path { get; } = path;

    public string Name { get; } = name ?? System.IO.Path.GetFileNameWithoutExtension(path);

    public IEnumerable<SourceRecord> Read(IngestReport report)
    {
        ParquetReader reader;
        var file = SourceFile.OpenRead(Path);
        try
        {
            CheckFooter(file);
            reader = ParquetReader.CreateAsync(file, leaveStreamOpen: false).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            file.Dispose();
            if (e is InvalidDataException) throw;
            throw new InvalidDataException($"{Path}: not a readable Parquet file ({e.Message})", e);
        }
        try
        {
            var fields = reader.Schema.GetDataFields();
            bool IsBinary(int i) => !fields[i].IsArray && (fields[i].ClrType == typeof(byte[]) || fields[i].ClrType == typeof(ReadOnlyMemory<byte>));
            bool IsText(int i) => !fields[i].IsArray && (fields[i].ClrType == typeof(string) || fields[i].ClrType == typeof(ReadOnlyMemory<char>));
            var columns = ManifestColumns.Find(fields.Select(f => f.Name).ToList(), IsBinary, IsText, Path);
            var read = new[] { columns.Key, columns.ImagePath, columns.ImageBytes, columns.Caption }.OfType<int>().Select(i => fields[i]).ToList();
            long row = 0;
            var ids = new ManifestRowIds(Name);
            var data = DataPath.Beside(Path, options.AllowOutsidePaths);
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                string?[]? keys, paths, captions;
                byte[]?[]? images;
                using (var rows = reader.OpenRowGroupReader(group))
                {
                    long claimed = read.Sum(f => rows.GetMetadata(f)?.MetaData?.TotalUncompressedSize ?? 0) + rows.RowCount * read.Count * IntPtr.Size;
                    if (rows.RowCount < 0 || claimed > options.MaxBytesInFlight)
                    {
                        report.Skip(SkipReason.TooLarge, $"{Path}: row group {group}", $"{rows.RowCount} rows claiming {claimed} bytes");
                        row += Math.Max(rows.RowCount, 0);
                        continue;
                    }
                    try
                    {
                        int count = checked((int)rows.RowCount);
                        keys = columns.Key is int k ? Strings(rows, fields[k], count) : null;
                        paths = columns.ImagePath is int p ? Strings(rows, fields[p], count) : null;
                        images = columns.ImageBytes is int b ? Bytes(rows, fields[b], count) : null;
                        captions = Strings(rows, fields[columns.Caption], count);
                    }
                    catch (Exception e) when (e is not (OperationCanceledException or InvalidDataException))
                    {
                        throw new InvalidDataException($"{Path}: row group {group} cannot be read ({e.Message})", e);
                    }
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

    /// <summary>Throws naming the file unless it begins and ends with PAR1 and its footer fits in it and in the in-flight bound.</summary>
    void CheckFooter(FileStream file)
    {
        Span<byte> head = stackalloc byte[4], tail = stackalloc byte[8];
        long length = file.Length;
        if (length < 12) throw new InvalidDataException($"{Path}: not a Parquet file ({length} bytes)");
        file.ReadExactly(head);
        file.Seek(-8, SeekOrigin.End);
        file.ReadExactly(tail);
        file.Seek(0, SeekOrigin.Begin);
        if (!head.SequenceEqual("PAR1"u8) || !tail[4..].SequenceEqual("PAR1"u8))
            throw new InvalidDataException($"{Path}: not a Parquet file (no PAR1 at its start and end)");
        long footer = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footer < 1 || footer > length - 12 || footer > options.MaxBytesInFlight)
            throw new InvalidDataException($"{Path}: not a readable Parquet file (its footer claims {footer} bytes of a {length}-byte file)");
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
