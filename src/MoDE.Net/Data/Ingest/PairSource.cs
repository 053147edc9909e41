namespace MoDE.Data.Ingest;

/// <summary>
/// Opens a source as readers, one per file, in order: the pattern is expanded (<see cref="ShardPattern"/>) and
/// each path gets the reader of its format. A path the pattern names that does not exist is counted as
/// <see cref="SkipReason.MissingShard"/>; a source naming no existing file at all is an error.
/// </summary>
public static class PairSource
{
    public static List<IPairReader> Open(SourceOptions options, IngestReport report)
    {
        options.Validate();
        if (options.Format == SourceFormat.OpenClipart) return [new OpenClipartReader(options.Source)];
        var readers = new List<IPairReader>();
        var paths = ShardPattern.Expand(options.Source);
        foreach (string path in paths)
        {
            if (Directory.Exists(path)) { readers.AddRange(OpenFolder(path, options)); continue; }
            if (!File.Exists(path)) { report.Skip(SkipReason.MissingShard, path); continue; }
            readers.Add(OpenFile(path, options));
        }
        if (readers.Count == 0)
            throw new FileNotFoundException($"source '{options.Source}' names no existing file or folder" + (paths.Count > 1 ? $" ({paths.Count} paths tried)" : ""));
        return readers;
    }

    static IEnumerable<IPairReader> OpenFolder(string folder, SourceOptions options)
    {
        if (options.Format is SourceFormat.Folder) return [new ImageFolderReader(folder)];
        var shards = Directory.GetFiles(folder).Where(f => FormatOf(f) == SourceFormat.WebDataset).Order(StringComparer.Ordinal).ToList();
        if (options.Format is SourceFormat.WebDataset || (options.Format is SourceFormat.Auto && shards.Count > 0))
            return shards.Select(s => OpenFile(s, options with { Format = SourceFormat.WebDataset }));
        if (options.Format is SourceFormat.Auto) return [new ImageFolderReader(folder)];
        var files = Directory.GetFiles(folder).Where(f => FormatOf(f) == options.Format).Order(StringComparer.Ordinal).ToList();
        return files.Select(f => OpenFile(f, options));
    }

    static IPairReader OpenFile(string path, SourceOptions options)
    {
        var format = options.Format is SourceFormat.Auto ? FormatOf(path) : options.Format;
        return format switch
        {
            SourceFormat.WebDataset => new TarShardReader(path, options.Seed, options.MaxImageBytes),
            SourceFormat.Csv => new CsvManifestReader(path, ','),
            SourceFormat.Tsv => new CsvManifestReader(path, '\t'),
            SourceFormat.Parquet => new ParquetManifestReader(path),
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
