using System.Globalization;
using System.Text.Json;
using MoDE.Storage;

namespace MoDE.Train;

/// <summary>
/// A model's training log: one JSON line per step {step, loss, logit_scale, lr, pairs_per_s, wall_time} in the
/// JSONL file, and the same scalars (tags <c>train/loss</c>, <c>train/logit_scale</c>, <c>train/lr</c>,
/// <c>train/pairs_per_s</c>) in a TensorBoard event file. Opening it at step S (where a resumed model continues)
/// drops what a killed run wrote past S: the JSONL is rewritten atomically with the steps &lt;= S, and the model's
/// event files are replaced by one fresh file rebuilt from those lines, so no step appears twice in either.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    /// <summary>Event files are pushed to disk every this many steps (and at every <see cref="Flush"/>), so a killed run loses little.</summary>
    public const int FlushEvery = 20;

    /// <summary>The TensorBoard tag of each JSONL key, in the order they are written.</summary>
    public static readonly IReadOnlyList<(string Key, string Tag)> Scalars =
    [
        ("loss", "train/loss"), ("logit_scale", "train/logit_scale"), ("lr", "train/lr"), ("pairs_per_s", "train/pairs_per_s"),
    ];

    readonly StreamWriter _jsonl;
    readonly TensorBoardEvents _events;
    int _unflushed;

    /// <summary>The log of <paramref name="model"/> in <paramref name="run"/>, continuing after <paramref name="fromStep"/>.</summary>
    public static TrainingLog Open(RunLayout run, string model, int fromStep)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new TrainingLog(run.TrainLog(model), run.TensorBoard(model), fromStep);
    }

    /// <summary>
    /// Opens the JSONL at <paramref name="jsonlPath"/> and the event folder <paramref name="eventsFolder"/>, keeping
    /// only steps &lt;= <paramref name="fromStep"/> of what is already there (lines cut off by a kill are dropped too).
    /// </summary>
    public TrainingLog(string jsonlPath, string eventsFolder, int fromStep)
    {
        ArgumentException.ThrowIfNullOrEmpty(jsonlPath);
        ArgumentException.ThrowIfNullOrEmpty(eventsFolder);
        ArgumentOutOfRangeException.ThrowIfNegative(fromStep);
        JsonlPath = Path.GetFullPath(jsonlPath);
        EventsFolder = Path.GetFullPath(eventsFolder);

        var kept = Kept(JsonlPath, fromStep);
        AtomicFile.WriteAllText(JsonlPath, string.Concat(kept.Select(r => r.Line + "\n")));
        foreach (var old in TensorBoardEvents.FilesIn(EventsFolder)) File.Delete(old);
        _events = new TensorBoardEvents(TensorBoardEvents.NewFileName(EventsFolder));
        foreach (var (_, record) in kept) WriteEvent(record);
        _events.Flush();
        _jsonl = new StreamWriter(JsonlPath, append: true);
    }

    public string JsonlPath { get; }
    public string EventsFolder { get; }
    public string EventsPath => _events.Path;

    /// <summary>Appends one step to both files.</summary>
    public void Report(TrainProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var record = new Dictionary<string, double>
        {
            ["step"] = progress.Step,
            ["loss"] = progress.Loss,
            ["logit_scale"] = progress.LogitScale,
            ["lr"] = progress.LearningRate,
            ["pairs_per_s"] = Math.Round(progress.PairsPerSecond, 1),
            ["wall_time"] = TensorBoardEvents.UnixSeconds(DateTimeOffset.UtcNow),
        };
        _jsonl.WriteLine(JsonSerializer.Serialize(record));
        _jsonl.Flush();
        WriteEvent(record);
        if (++_unflushed >= FlushEvery) Flush();
    }

    /// <summary>Pushes both files to disk; the trainer calls it at each checkpoint.</summary>
    public void Flush()
    {
        _jsonl.Flush();
        _events.Flush();
        _unflushed = 0;
    }

    public void Dispose()
    {
        Flush();
        _jsonl.Dispose();
        _events.Dispose();
    }

    void WriteEvent(IReadOnlyDictionary<string, double> record)
    {
        double wallTime = record.TryGetValue("wall_time", out var t) ? t : TensorBoardEvents.UnixSeconds(DateTimeOffset.UtcNow);
        var scalars = Scalars.Where(s => record.ContainsKey(s.Key)).Select(s => (s.Tag, (float)record[s.Key])).ToList();
        _events.Write((long)record["step"], wallTime, scalars);
    }

    static List<(string Line, Dictionary<string, double> Record)> Kept(string path, int fromStep)
    {
        var kept = new List<(string, Dictionary<string, double>)>();
        if (!File.Exists(path)) return kept;
        foreach (var line in File.ReadLines(path))
        {
            Dictionary<string, double>? record;
            try { record = JsonSerializer.Deserialize<Dictionary<string, double>>(line); }
            catch (JsonException) { continue; } // a line cut off by a killed run
            if (record is null || !record.TryGetValue("step", out var step)) continue;
            if (step <= fromStep) kept.Add((line.Trim(), record));
        }
        return kept;
    }
}
