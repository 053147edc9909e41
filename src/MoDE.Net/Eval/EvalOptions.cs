namespace MoDE.Eval;

/// <summary>Options of the eval stage.</summary>
public sealed record EvalOptions
{
    /// <summary>Threads for libtorch and ONNX Runtime; 0 = one per core.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // does not change results, so a rerun may use another count
    public int Threads { get; init; }

    public void Validate()
    {
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be 0 (one per core) or more");
    }
}
