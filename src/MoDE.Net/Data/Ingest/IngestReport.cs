using System.Text.Json.Serialization;
using System.Text.Json;
using MoDE.Storage;

namespace MoDE.Data.Ingest;

/// <summary>
/// What an ingest of a real source did: pairs kept, records skipped by <see cref="SkipReason"/> (with the first
/// few ids or files of each, to find them again), and decoding throughput. Saved as ingest/report.json.
/// Counting is thread-safe: decoding threads report their skips here.
/// </summary>
public sealed class IngestReport
{
    /// <summary>Examples kept per reason: enough to find the bad files, small enough to read.</summary>
    const int ExamplesPerReason = 5;

    readonly Lock _lock = new();
    readonly SortedDictionary<string, long> _skipped = new(StringComparer.Ordinal);
    readonly SortedDictionary<string, List<string>> _examples = new(StringComparer.Ordinal);

    public string Source { get; init; } = "";
    public string Format { get; init; } = "";
    public int ImageSize { get; init; }

    /// <summary>Where training reads the pixels: <see cref="PixelStore.Stored"/> or <see cref="PixelStore.Source"/> (<see cref="SourceOptions.Pixels"/>).</summary>
    public PixelStore Pixels { get; set; } = PixelStore.Stored;

    /// <summary>Shards, manifests or folders read.</summary>
    public int Files { get; set; }

    /// <summary>Pairs written, in this order, to pairs.jsonl and the images file: the training pairs.</summary>
    public long Kept { get; set; }

    /// <summary>Pairs, and their distinct images, held out of training as the retrieval task tasks/held-out (<see cref="HeldOutSplit"/>).</summary>
    public long HeldOut { get; set; }
    public long HeldOutImages { get; set; }

    /// <summary>Records skipped, by reason (snake_case names of <see cref="SkipReason"/>).</summary>
    public IReadOnlyDictionary<string, long> Skipped { get { lock (_lock) return new SortedDictionary<string, long>(_skipped); } init => _skipped = new(value.ToDictionary(), StringComparer.Ordinal); }

    /// <summary>The first few ids or paths skipped for each reason, with a detail.</summary>
    public IReadOnlyDictionary<string, List<string>> Examples { get { lock (_lock) return new SortedDictionary<string, List<string>>(_examples); } init => _examples = new(value.ToDictionary(), StringComparer.Ordinal); }

    /// <summary>Images decoded (kept or not) and the seconds the decoding threads took, wall clock.</summary>
    public long Decoded { get; set; }
    public double DecodeSeconds { get; set; }
    public double ImagesPerSecond => DecodeSeconds > 0 ? Math.Round(Decoded / DecodeSeconds, 1) : 0;
    public int Threads { get; set; }
    public double Seconds { get; set; }

    /// <summary>The most encoded bytes (images and captions) held at once while reading and decoding; at most <see cref="SourceOptions.MaxBytesInFlight"/>.</summary>
    public long PeakBytesInFlight { get; set; }

    /// <summary>Notes the bytes held now; keeps the peak.</summary>
    public void InFlight(long bytes) { lock (_lock) PeakBytesInFlight = Math.Max(PeakBytesInFlight, bytes); }

    [JsonIgnore] public long SkippedTotal { get { lock (_lock) return _skipped.Values.Sum(); } }

    /// <summary>The count of one reason (0 when none).</summary>
    public long Count(SkipReason reason) { lock (_lock) return _skipped.GetValueOrDefault(Key(reason)); }

    /// <summary>Counts one skipped record; <paramref name="where"/> is its id or file.</summary>
    public void Skip(SkipReason reason, string where, string? detail = null)
    {
        string key = Key(reason);
        lock (_lock)
        {
            _skipped[key] = _skipped.GetValueOrDefault(key) + 1;
            if (!_examples.TryGetValue(key, out var list)) _examples[key] = list = [];
            if (list.Count < ExamplesPerReason) list.Add(detail is null ? where : $"{where}: {detail}");
        }
    }

    /// <summary>Counts the skips of another report (<see cref="Skipped"/>, <see cref="Examples"/>) as well: the work of a partial ingest resumed.</summary>
    public void Add(IReadOnlyDictionary<string, long> skipped, IReadOnlyDictionary<string, List<string>> examples)
    {
        lock (_lock)
        {
            foreach (var (key, count) in skipped) _skipped[key] = _skipped.GetValueOrDefault(key) + count;
            foreach (var (key, more) in examples)
            {
                if (!_examples.TryGetValue(key, out var list)) _examples[key] = list = [];
                list.AddRange(more.Take(ExamplesPerReason - list.Count));
            }
        }
    }

    public static string Key(SkipReason reason) => JsonNamingPolicy.SnakeCaseLower.ConvertName(reason.ToString());

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    public static IngestReport Load(string path) =>
        JsonSerializer.Deserialize<IngestReport>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty report");

    /// <summary>One line for the log: kept, skipped by reason, images/s.</summary>
    public string Summary()
    {
        var skipped = Skipped;
        string reasons = skipped.Count == 0 ? "none skipped" : $"skipped {skipped.Values.Sum()} ({string.Join(", ", skipped.Select(s => $"{s.Key} {s.Value}"))})";
        string held = HeldOut > 0 ? $" ({HeldOut} more held out for evaluation)" : "";
        return $"{Kept} pairs kept{held} from {Files} file(s), {reasons}; decoded {Decoded} images at {ImagesPerSecond:F0} images/s on {Threads} threads";
    }
}
