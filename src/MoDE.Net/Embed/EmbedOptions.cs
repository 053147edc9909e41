namespace MoDE.Embed;

/// <summary>How embed/captions.npy stores each value.</summary>
public enum EmbeddingPrecision
{
    /// <summary>NumPy <c>&lt;f4</c>: the encoder's output as it is.</summary>
    Float32,
    /// <summary>NumPy <c>&lt;f2</c>: half the disk and page cache; cosines change by about 1e-3 at most.</summary>
    Float16,
}

/// <summary>Options of the embed stage.</summary>
public sealed record EmbedOptions
{
    /// <summary>
    /// Most captions per ONNX Runtime call. Batches never change a vector (tested), so a rerun may change the batch
    /// options without redoing finished work. With <see cref="BatchTokens"/> this caps memory: 256 short captions
    /// share a call, long ones fewer.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int BatchSize { get; init; } = 256;

    /// <summary>
    /// Most padded tokens per call (captions x longest caption). Activations grow with it, so it bounds the peak
    /// memory of the longest batches; 8192 tokens is 64 captions of 128 tokens or 256 of 32.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int BatchTokens { get; init; } = 8192;

    /// <summary>Stored precision of the vectors (chunks and embed/captions.npy). Default float32.</summary>
    public EmbeddingPrecision Precision { get; init; } = EmbeddingPrecision.Float32;

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

    /// <summary>Where the encoder runs: "cpu" (the default) or "cuda" (<see cref="EmbedDevice"/>; the build with
    /// <c>-p:TorchBackend=cuda</c>).</summary>
    [System.Text.Json.Serialization.JsonIgnore] // where, not what: a GPU's vectors differ from the CPU's by float rounding alone
    public string Device { get; init; } = EmbedDevice.Cpu;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchTokens, 1, nameof(BatchTokens));
        ArgumentException.ThrowIfNullOrWhiteSpace(Encoder, nameof(Encoder));
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkSize, 1, nameof(ChunkSize));
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be 0 (one per core) or more");
        EmbedDevice.Check(Device);
    }
}
