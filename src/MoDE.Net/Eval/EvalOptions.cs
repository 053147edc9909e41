using System.Text.Json.Serialization;

namespace MoDE.Eval;

/// <summary>Options of the eval stage.</summary>
public sealed record EvalOptions
{
    /// <summary>Threads for libtorch and ONNX Runtime; 0 = one per core.</summary>
    [JsonIgnore] // does not change results, so a rerun may use another count
    public int Threads { get; init; }

    /// <summary>
    /// Task folders (full paths) scored beside the run's own (every folder in its tasks folder), after them, in this
    /// order (<c>mode run --tasks</c>); null: the run's own only.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] // absent from the stage marker when unused, as before the option existed
    public IReadOnlyList<string>? Tasks { get; init; }

    /// <summary>Read image paths of task folders that lead outside their folder (<see cref="TaskFolder"/>); by default they are an error.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool AllowOutsidePaths { get; init; }

    public void Validate()
    {
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be 0 (one per core) or more");
        if (Tasks?.FirstOrDefault(f => !Directory.Exists(f)) is { } missing) throw new ArgumentException($"{missing}: no such task folder", nameof(Tasks));
    }
}
