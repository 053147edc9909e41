namespace MoDE.Data.Ingest;

/// <summary>
/// Reads one file (a shard, a manifest, a folder) of a source as candidate pairs, in a fixed order. Records it
/// cannot use are counted in the report by <see cref="SkipReason"/> and not returned; a malformed manifest
/// throws <see cref="InvalidDataException"/> naming the file, line and column. The ingest reads every reader through
/// <see cref="SourceIngest.Records"/>, which turns whatever it throws into a counted skip of that file.
/// </summary>
public interface IPairReader
{
    /// <summary>The file or folder read, for reports and messages.</summary>
    string Path { get; }

    IEnumerable<SourceRecord> Read(IngestReport report);
}
