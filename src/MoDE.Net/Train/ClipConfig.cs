using System.Text.Json;
using System.Text.Json.Serialization;

namespace MoDE.Train;

/// <summary>
/// The architecture of a CLIP model, shaped like open_clip's <c>model_configs/*.json</c>:
/// a shared embedding width, an image tower and a text tower. Pure data; JSON round-trips.
/// </summary>
public sealed record ClipConfig(int EmbedDim, ClipVisionConfig Vision, ClipTextConfig Text)
{
    /// <summary>
    /// A CLIP small enough to train at several hundred pairs/s on 2 CPU cores with 32x32 images:
    /// a 3-block CNN (32, 64, 128 channels) and a 2-layer, width-128, 4-head text transformer over 32 tokens.
    /// </summary>
    public static ClipConfig Tiny(int vocabSize, int imageSize = 32) => new(
        EmbedDim: 128,
        Vision: new ClipVisionConfig(ImageSize: imageSize, Kind: ClipVisionConfig.Cnn, Width: 32, Layers: 3),
        Text: new ClipTextConfig(ContextLength: 32, VocabSize: vocabSize, Width: 128, Layers: 2, Heads: 4));

    /// <summary>Throws, naming the property, when a field is out of range.</summary>
    public ClipConfig Validate()
    {
        if (EmbedDim < 1) throw new ArgumentOutOfRangeException(nameof(EmbedDim), EmbedDim, "must be at least 1");
        ArgumentNullException.ThrowIfNull(Vision, nameof(Vision));
        ArgumentNullException.ThrowIfNull(Text, nameof(Text));
        Vision.Validate();
        Text.Validate();
        return this;
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ClipConfig FromJson(string json) =>
        (JsonSerializer.Deserialize<ClipConfig>(json, Json) ?? throw new JsonException("empty CLIP config")).Validate();
}

/// <summary>
/// The image tower. <see cref="Kind"/> "cnn": <see cref="Layers"/> blocks of 3x3 convolution, GroupNorm, ReLU and
/// 2x2 average pooling, the channel count doubling from <see cref="Width"/> each block; then a global average pool
/// and a linear projection to the embedding.
/// </summary>
public sealed record ClipVisionConfig(int ImageSize, string Kind = ClipVisionConfig.Cnn, int Width = 32, int Layers = 3)
{
    public const string Cnn = "cnn";

    public void Validate()
    {
        if (ImageSize < 1) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "must be at least 1");
        if (Kind != Cnn) throw new ArgumentException($"unknown vision kind '{Kind}' (known: {Cnn})", nameof(Kind));
        if (Width < 8 || Width % 8 != 0) throw new ArgumentOutOfRangeException(nameof(Width), Width, "must be a positive multiple of 8 (GroupNorm uses 8 groups)");
        if (Layers < 1) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "must be at least 1");
    }
}

/// <summary>The text tower: a causal pre-LayerNorm transformer read out at the end-of-text token, as in CLIP.</summary>
public sealed record ClipTextConfig(int ContextLength, int VocabSize, int Width = 128, int Layers = 2, int Heads = 4)
{
    public void Validate()
    {
        if (ContextLength < 3) throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "must hold at least sot, one token and eot");
        if (VocabSize < CaptionTokenizer.SpecialTokenCount)
            throw new ArgumentOutOfRangeException(nameof(VocabSize), VocabSize, $"must be at least {CaptionTokenizer.SpecialTokenCount} (the special tokens)");
        if (Width < 1) throw new ArgumentOutOfRangeException(nameof(Width), Width, "must be at least 1");
        if (Layers < 1) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "must be at least 1");
        if (Heads < 1 || Width % Heads != 0) throw new ArgumentOutOfRangeException(nameof(Heads), Heads, "must divide Width");
    }
}
