using System.Text.Json.Serialization;
using MoDE.Tokenizer;

namespace MoDE.Model;

/// <summary>
/// The text tower, with open_clip's <c>text_cfg</c> keys and defaults (open_clip's CLIPTextCfg): a causal pre-LayerNorm
/// transformer over <see cref="ContextLength"/> tokens of a <see cref="VocabSize"/>-token vocabulary, read out at the
/// end-of-text token, as in CLIP.
/// </summary>
public sealed record ClipTextConfig(
    [property: JsonPropertyName("context_length")] int ContextLength = 77,
    [property: JsonPropertyName("vocab_size")] int VocabSize = 49408,
    [property: JsonPropertyName("width")] int Width = 512,
    [property: JsonPropertyName("layers")] int Layers = 12,
    [property: JsonPropertyName("heads")] int Heads = 8,
    [property: JsonPropertyName("mlp_ratio")] double MlpRatio = 4.0)
{
    /// <summary>The longest context: 65,536 tokens (CLIP's is 77).</summary>
    public const int MaxContextLength = 1 << 16;

    /// <summary>The largest vocabulary: 16,777,216 tokens (CLIP's is 49,408; multilingual ones about 250,000).</summary>
    public const int MaxVocabSize = 1 << 24;

    public void Validate()
    {
        if (ContextLength is < 3 or > MaxContextLength)
            throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, $"must hold at least sot, one token and eot, and at most {MaxContextLength} tokens");
        if (VocabSize <= CaptionTokenizer.SpecialTokenCount || VocabSize > MaxVocabSize)
            throw new ArgumentOutOfRangeException(nameof(VocabSize), VocabSize, $"must exceed {CaptionTokenizer.SpecialTokenCount} (the special tokens) and be at most {MaxVocabSize}");
        if (Width is < 1 or > ClipConfig.MaxWidth) throw new ArgumentOutOfRangeException(nameof(Width), Width, $"must lie in 1..{ClipConfig.MaxWidth}");
        if (Layers is < 1 or > ClipConfig.MaxLayers) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, $"must lie in 1..{ClipConfig.MaxLayers}");
        if (Heads < 1 || Width % Heads != 0) throw new ArgumentOutOfRangeException(nameof(Heads), Heads, "must divide Width");
        ClipConfig.ValidateMlpRatio(Width, MlpRatio);
    }
}
