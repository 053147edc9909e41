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
    public void Validate()
    {
        if (ContextLength < 3) throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "must hold at least sot, one token and eot");
        if (VocabSize <= CaptionTokenizer.SpecialTokenCount)
            throw new ArgumentOutOfRangeException(nameof(VocabSize), VocabSize, $"must exceed {CaptionTokenizer.SpecialTokenCount} (the special tokens)");
        if (Width < 1) throw new ArgumentOutOfRangeException(nameof(Width), Width, "must be at least 1");
        if (Layers < 1) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "must be at least 1");
        if (Heads < 1 || Width % Heads != 0) throw new ArgumentOutOfRangeException(nameof(Heads), Heads, "must divide Width");
        if (!(MlpRatio > 0) || Width * MlpRatio != Math.Floor(Width * MlpRatio))
            throw new ArgumentOutOfRangeException(nameof(MlpRatio), MlpRatio, "must be positive and give a whole MLP width");
    }
}
