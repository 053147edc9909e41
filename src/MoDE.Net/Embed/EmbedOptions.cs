namespace MoDE.Embed;

/// <summary>Options of the embed stage.</summary>
public sealed record EmbedOptions
{
    /// <summary>Captions per ONNX Runtime call. 128 measured near the best on 2 cores (PLATFORM.md).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>ONNX Runtime intra-op threads; 0 = one per core.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // does not change results, so a rerun may use another count
    public int Threads { get; init; }

    public void Validate() => ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
}
