namespace MoDE.Embed;

/// <summary>Options of the embed stage.</summary>
public sealed record EmbedOptions
{
    /// <summary>Captions per ONNX Runtime call. 128 measured near the best on 2 cores (PLATFORM.md).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>
    /// Caption encoder: a preset name (all-MiniLM-L6-v2, arctic-embed-xs) or a folder with model.onnx, vocab.txt
    /// and encoder.json. Default all-MiniLM-L6-v2. Later stages (routing) embed class names with the same one.
    /// </summary>
    public string Encoder { get; init; } = CaptionEncoder.DefaultName;

    /// <summary>
    /// Captions per chunk file (embed/chunks/NNNNN.npy). A finished chunk survives a kill and is not recomputed;
    /// memory holds about two chunks' tokens and one chunk's vectors. Default 16384.
    /// </summary>
    public int ChunkSize { get; init; } = 16384;

    /// <summary>ONNX Runtime intra-op threads; 0 = one per core.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // does not change results, so a rerun may use another count
    public int Threads { get; init; }

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentException.ThrowIfNullOrWhiteSpace(Encoder, nameof(Encoder));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, 1, nameof(ChunkSize));
    }
}
