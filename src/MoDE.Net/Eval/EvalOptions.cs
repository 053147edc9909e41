namespace MoDE.Eval;

/// <summary>Options of the eval stage.</summary>
public sealed record EvalOptions
{
    /// <summary>Threads for libtorch and ONNX Runtime; 0 = one per core.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // does not change results, so a rerun may use another count
    public int Threads { get; init; }
}
