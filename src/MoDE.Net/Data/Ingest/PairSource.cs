namespace MoDE.Data.Ingest;

/// <summary>
/// Opens a source as readers, one per file, in order: the pattern is expanded (<see cref="ShardPattern"/>) and
/// each path gets the reader of its format. Each file's pair ids begin with a name unique among the source's
/// shards, and among its manifests (<see cref="SourceFileNames"/>), so files of one name in different folders
/// keep all their pairs. A path the pattern names that does not exist is counted as
/// <see cref="SkipReason.MissingShard"/>, a file that is not a regular file (a FIFO, a device) as
/// <see cref="SkipReason.NotARegularFile"/> and never opened; a source naming no existing file at all is an error.
/// Folders are not searched through symbolic links to folders (<see cref="SourceFile.Under"/>).
/// </summary>
public static class PairSource
{
    public static List<IPairReader> Open(SourceOptions options, IngestReport report)
    {
        options.Validate();
        if (options.Format == SourceFormat.OpenClipart) return [new OpenClipartReader(options.Source, options)];
        var opened = new List<(string? File, SourceFormat Format, IPairReader? Folder)>();
        var paths = ShardPattern.Expand(options.Source);
        foreach (string path in paths)
        {
            if (Directory.Exists(path)) { opened.AddRange(OpenFolder(path, options)); continue; }
            opened.Add((path, FormatFor(path, options), null));
        }
        opened.RemoveAll(o => o.File is { } file && SourceFile.KindOf(file) switch
        {
            SourceFile.Kind.Missing => Skipped(SkipReason.MissingShard, file),
            SourceFile.Kind.Other => Skipped(SkipReason.NotARegularFile, file),
            _ => false,
        });
        bool Skipped(SkipReason reason, string file) { report.Skip(reason, file); return true; }
        if (opened.Count == 0)
            throw new FileNotFoundException($"source '{options.Source}' names no existing regular file or folder" + (paths.Count > 1 ? $" ({paths.Count} paths tried)" : ""));
        var shardNames = SourceFileNames.For(opened.Where(o => o.File is not null && o.Format is SourceFormat.WebDataset).Select(o => o.File!), TarShardReader.ShardName);
        var manifestNames = SourceFileNames.For(opened.Where(o => o.File is not null && o.Format is not SourceFormat.WebDataset).Select(o => o.File!),
            p => Path.ChangeExtension(p, null));
        return opened.Select(o => o.Folder ?? OpenFile(o.File!, o.Format, options,
            (o.Format is SourceFormat.WebDataset ? shardNames : manifestNames).GetValueOrDefault(Path.GetFullPath(o.File!)))).ToList();
    }

    static IEnumerable<(string? File, SourceFormat Format, IPairReader? Folder)> OpenFolder(string folder, SourceOptions options)
    {
        if (options.Format is SourceFormat.Folder) return [(null, SourceFormat.Folder, new ImageFolderReader(folder, options))];
        var shards = Directory.GetFiles(folder).Where(f => FormatOf(f) == SourceFormat.WebDataset).Order(StringComparer.Ordinal).ToList();
        if (options.Format is SourceFormat.WebDataset || (options.Format is SourceFormat.Auto && shards.Count > 0))
            return shards.Select(s => ((string?)s, SourceFormat.WebDataset, (IPairReader?)null));
        if (options.Format is SourceFormat.Auto) return [(null, SourceFormat.Folder, new ImageFolderReader(folder, options))];
        var files = Directory.GetFiles(folder).Where(f => FormatOf(f) == options.Format).Order(StringComparer.Ordinal).ToList();
        return files.Select(f => ((string?)f, options.Format, (IPairReader?)null));
    }

    static SourceFormat FormatFor(string path, SourceOptions options) => options.Format is SourceFormat.Auto ? FormatOf(path) : options.Format;

    /// <summary>The reader of one file; <paramref name="name"/> begins its pair ids (unique among the source's files of its kind).</summary>
    static IPairReader OpenFile(string path, SourceFormat format, SourceOptions options, string? name)
    {
        return format switch
        {
            SourceFormat.WebDataset => new TarShardReader(path, options, name),
            SourceFormat.Csv => new CsvManifestReader(path, ',', options, name),
            SourceFormat.Tsv => new CsvManifestReader(path, '\t', options, name),
            SourceFormat.Parquet => new ParquetManifestReader(path, options, name),
            SourceFormat.Auto => throw new ArgumentException($"{path}: cannot tell the format from the extension; give it (--format webdataset|csv|tsv|parquet|folder)"),
            _ => throw new ArgumentException($"{path}: format {format} reads a folder, not a file"),
        };
    }

    /// <summary>The format an extension tells, or <see cref="SourceFormat.Auto"/> when it tells none.</summary>
    public static SourceFormat FormatOf(string path)
    {
        string name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".tar") || name.EndsWith(".tar.gz") || name.EndsWith(".tgz")) return SourceFormat.WebDataset;
        if (name.EndsWith(".csv")) return SourceFormat.Csv;
        if (name.EndsWith(".tsv") || name.EndsWith(".tab")) return SourceFormat.Tsv;
        if (name.EndsWith(".parquet")) return SourceFormat.Parquet;
        return SourceFormat.Auto;
    }
}
