using System.Text.Json;
using MoDE.Storage;

namespace MoDE.Data.Ingest;

/// <summary>
/// The unfinished work of a <see cref="SourceIngest"/>, kept so that an ingest stopped by a signal, an error, a full disk
/// or a kill resumes at its first unfinished shard and writes the same bytes as one never stopped. The whole shards stay
/// in <c>pairs/images.partial/</c> (<see cref="ImageSetWriter.Resume"/>); beside each, in <c>resume/</c>, what the ingest
/// had done at the start of the chunk of records in which that shard was finished: the records it had read (those that
/// passed the id and caption checks), the pairs it had kept, with their captions (<c>NNNNN.jsonl</c>, those since the
/// previous shard), the images it had decoded and the records skipped while decoding (<c>NNNNN.json</c>). A rerun reads the
/// source again up to that record without decoding it (so every count of the readers and of the id and caption checks is
/// made again, and the ids seen rebuilt), then decodes from that chunk on: the chunks are the same as in a straight run,
/// and so is everything written; the images already in a shard are not written again. The state is keyed to the options
/// and to the size and time of each source file (<c>resume/source.json</c>): a partial ingest of anything else is discarded.
/// </summary>
public sealed class PartialIngest : IDisposable
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>What the ingest had done when the chunk in which shard <see cref="Shards"/> - 1 was finished began.</summary>
    sealed record ShardState(int Shards, long Records, int Pairs, long Decoded, IReadOnlyDictionary<string, long> Skipped, IReadOnlyDictionary<string, List<string>> Examples);

    readonly string _folder;
    readonly ImageSetWriter _writer;
    readonly ShardState? _resumed;
    readonly TextWriter _log;
    IngestReport _decodeSkips = new();
    List<Pair> _pairs = [];
    ShardState _chunk = new(0, 0, 0, 0, new Dictionary<string, long>(), new Dictionary<string, List<string>>());
    long _records;
    int _saved, _drop;

    PartialIngest(string folder, ImageSetWriter writer, ShardState? resumed, TextWriter log)
    {
        _folder = folder;
        _log = log;
        _writer = writer;
        _resumed = resumed;
        _writer.ShardFinished = Save;
    }

    /// <summary>
    /// The partial ingest of <paramref name="imagesPath"/> made with these options from these files, or a new one; one of
    /// anything else is deleted, with a line in <paramref name="log"/>.
    /// </summary>
    public static PartialIngest Open(SourceOptions options, IEnumerable<IPairReader> readers, string imagesPath, TextWriter log)
    {
        string partial = ImageSetWriter.PartialFor(imagesPath), folder = Path.Combine(partial, "resume"), keyPath = Path.Combine(folder, "source.json");
        string key = JsonSerializer.Serialize(new
        {
            Options = JsonSerializer.SerializeToNode(options),
            Files = readers.Select(r => new FileInfo(r.Path) is { Exists: true } f ? $"{r.Path} {f.Length} {f.LastWriteTimeUtc:O}" : r.Path),
        }, Json);
        var states = new List<ShardState>();
        if (Directory.Exists(partial))
        {
            if (!File.Exists(keyPath) || File.ReadAllText(keyPath) != key)
            {
                log.WriteLine($"ingest: discarding the partial ingest in {partial}: it was made with other options or from other files");
                Directory.Delete(partial, recursive: true);
            }
            else
                for (int s = 0; File.Exists(StatePath(folder, s)); s++)
                    states.Add(JsonSerializer.Deserialize<ShardState>(File.ReadAllText(StatePath(folder, s)), Json) ?? throw new InvalidDataException($"{StatePath(folder, s)}: empty"));
        }
        var writer = ImageSetWriter.Resume(imagesPath, options.ImageSize, options.ImageSize, options.ShardBytes, states.Count);
        try
        {
            AtomicFile.WriteAllText(keyPath, key);
            states.RemoveRange(writer.Shards, states.Count - writer.Shards);
            foreach (string stale in Directory.GetFiles(folder).Where(f => f != keyPath && !(int.TryParse(Path.GetFileNameWithoutExtension(f), out int s) && s < states.Count)))
                File.Delete(stale);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return new PartialIngest(folder, writer, states.Count > 0 ? states[^1] : null, log);
    }

    static string StatePath(string folder, int shard) => Path.Combine(folder, $"{shard:D5}.json");
    static string CaptionsPath(string folder, int shard) => Path.Combine(folder, $"{shard:D5}.jsonl");

    /// <summary>
    /// Goes on where the partial ingest stopped: reads its records from <paramref name="records"/> again, restores its
    /// pairs into <paramref name="pairs"/> (which the ingest then fills) and its decoding counts into <paramref name="report"/>.
    /// </summary>
    public void Restore(IEnumerator<SourceRecord> records, List<Pair> pairs, IngestReport report)
    {
        _pairs = pairs;
        if (_resumed is not { } state) return;
        for (long r = 0; r < state.Records; r++)
            if (!records.MoveNext())
                throw new InvalidDataException($"{report.Source}: gave {r} records, fewer than the {state.Records} read before; delete {Path.GetDirectoryName(_folder)} to ingest it again from the start");
        for (int s = 0; s < state.Shards && pairs.Count < state.Pairs; s++) pairs.AddRange(PairStore.StreamCaptions(CaptionsPath(_folder, s)));
        if (pairs.Count != state.Pairs) throw new InvalidDataException($"{_folder}: holds {pairs.Count} captions, not the {state.Pairs} of its last shard's state; delete {Path.GetDirectoryName(_folder)} to ingest again from the start");
        report.Decoded = state.Decoded;
        report.Add(state.Skipped, state.Examples);
        _decodeSkips = new IngestReport { Skipped = state.Skipped, Examples = Copy(state.Examples) };
        _records = state.Records;
        _saved = state.Pairs;
        _drop = state.Shards * _writer.ImagesPerShard - state.Pairs;
        _log.WriteLine($"ingest: resuming at shard {state.Shards}, {state.Shards * _writer.ImagesPerShard} pairs already written");
    }

    /// <summary>Notes what was done before a chunk of <paramref name="records"/> records begins to be decoded.</summary>
    public void ChunkStarting(int records, IngestReport report)
    {
        _chunk = new ShardState(0, _records, _pairs.Count, report.Decoded, _decodeSkips.Skipped, Copy(_decodeSkips.Examples));
        _records += records;
    }

    /// <summary>Counts a record that failed to decode, in the report and in the state of the next shard.</summary>
    public void Skip(IngestReport report, SkipReason reason, string id, string? detail)
    {
        report.Skip(reason, id, detail);
        _decodeSkips.Skip(reason, id, detail);
    }

    /// <summary>Adds a kept pair's image, unless a shard already holds it (the first images after a resume).</summary>
    public void Add(ReadOnlySpan<byte> rgb)
    {
        if (_drop > 0) _drop--;
        else _writer.Add(rgb);
    }

    /// <summary>Writes the captions and renames the images into place: the ingest is whole, and nothing partial is left.</summary>
    public void Commit(string captionsPath)
    {
        PairStore.SaveCaptions(_pairs, captionsPath);
        Directory.Delete(_folder, recursive: true);
        _writer.Commit();
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Saves the state of shard <paramref name="shards"/> - 1, just finished: its captions, then its counts; says so in the log.</summary>
    void Save(int shards)
    {
        PairStore.SaveCaptions(_pairs.Skip(_saved).Take(_chunk.Pairs - _saved), CaptionsPath(_folder, shards - 1));
        _saved = _chunk.Pairs;
        AtomicFile.WriteAllText(StatePath(_folder, shards - 1), JsonSerializer.Serialize(_chunk with { Shards = shards }, Json));
        _log.WriteLine($"ingest: shard {ImageSetWriter.ShardName(shards - 1)} written, {(long)shards * _writer.ImagesPerShard} pairs in whole shards");
    }

    static Dictionary<string, List<string>> Copy(IReadOnlyDictionary<string, List<string>> examples) => examples.ToDictionary(e => e.Key, e => e.Value.ToList());
}
