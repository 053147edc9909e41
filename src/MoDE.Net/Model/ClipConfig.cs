using System.Text.Json.Serialization;
using System.Text.Json;

namespace MoDE.Model;

/// <summary>
/// The architecture of a CLIP model in open_clip's <c>model_configs/*.json</c> shape: a shared embedding width, an
/// image tower (<c>vision_cfg</c>) and a text tower (<c>text_cfg</c>). Every property carries open_clip's key, so an
/// open_clip config pastes in unchanged (keys this implementation does not support are rejected, not ignored);
/// <c>vision_cfg.kind</c> is ours and selects the small CNN. Pure data; JSON round-trips.
/// </summary>
/// <param name="EmbedDim">Width of the joint image-text embedding.</param>
/// <param name="Vision">The image tower.</param>
/// <param name="Text">The text tower.</param>
/// <param name="QuickGelu">The transformers' MLP activation: QuickGELU, x * sigmoid(1.702 x), as OpenAI's CLIP weights
/// were trained with, when true; exact GELU otherwise (open_clip's default).</param>
public sealed partial record ClipConfig(
    [property: JsonPropertyName("embed_dim")] int EmbedDim,
    [property: JsonPropertyName("vision_cfg")] ClipVisionConfig Vision,
    [property: JsonPropertyName("text_cfg")] ClipTextConfig Text,
    [property: JsonPropertyName("quick_gelu")] bool QuickGelu = false)
{
    /// <summary>The widest tower, embedding or CNN channel count: 65,536 (open_clip's widest tower is 1,792 wide). With
    /// the other bounds it keeps every size an int and a parameter count a long, whatever a config file claims.</summary>
    public const int MaxWidth = 1 << 16;

    /// <summary>The deepest tower: 1,024 blocks (open_clip's deepest has 56).</summary>
    public const int MaxLayers = 1 << 10;

    /// <summary>The largest MLP ratio: 64 (open_clip's largest is 4.9231, ViT-bigG).</summary>
    public const double MaxMlpRatio = 64;

    /// <summary>Throws, naming the property, when a field is out of range.</summary>
    public ClipConfig Validate()
    {
        if (EmbedDim is < 1 or > MaxWidth) throw new ArgumentOutOfRangeException(nameof(EmbedDim), EmbedDim, $"must lie in 1..{MaxWidth}");
        ArgumentNullException.ThrowIfNull(Vision, nameof(Vision));
        ArgumentNullException.ThrowIfNull(Text, nameof(Text));
        Vision.Validate();
        Text.Validate();
        return this;
    }

    /// <summary>Throws unless <paramref name="mlpRatio"/> lies in (0, <see cref="MaxMlpRatio"/>] and gives a whole MLP width.</summary>
    internal static void ValidateMlpRatio(int width, double mlpRatio)
    {
        if (!(mlpRatio > 0 && mlpRatio <= MaxMlpRatio) || width * mlpRatio != Math.Floor(width * mlpRatio))
            throw new ArgumentOutOfRangeException("MlpRatio", mlpRatio, $"must lie in (0, {MaxMlpRatio}] and give a whole MLP width");
    }

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, // an unsupported open_clip option must not be dropped silently
    };

    /// <summary>The config as open_clip-style JSON (snake_case keys).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads an open_clip-style JSON file; throws <see cref="InvalidDataException"/> naming the file when it
    /// is not valid JSON, has an unknown key or an out-of-range field.</summary>
    public static ClipConfig FromFile(string path)
    {
        try { return FromJson(File.ReadAllText(path)); }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not an open_clip model config: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>Throws, naming the file or listing the presets, unless <paramref name="nameOrPath"/> is a preset or a
    /// readable config file; lets a command reject a bad <c>--model</c> before any stage runs.</summary>
    public static void Check(string nameOrPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath, nameof(nameOrPath));
        if (PresetNames.Contains(nameOrPath)) return;
        if (!File.Exists(nameOrPath))
            throw new ArgumentException($"'{nameOrPath}' is neither a model preset ({string.Join(", ", PresetNames)}) nor a config file", nameof(nameOrPath));
        FromFile(nameOrPath);
    }

    /// <summary>Reads open_clip-style JSON; throws <see cref="JsonException"/> on an unknown key.</summary>
    public static ClipConfig FromJson(string json) =>
        (JsonSerializer.Deserialize<ClipConfig>(json, Json) ?? throw new JsonException("empty CLIP config")).Validate();

    /// <summary>
    /// The architecture named by <paramref name="nameOrPath"/>: a preset (<see cref="PresetNames"/>, case-insensitive)
    /// or the path of an open_clip-style JSON file. The tiny presets are sized to the run: their vocabulary is
    /// <paramref name="vocabSize"/> and their images are <paramref name="imageSize"/> pixels square. The open_clip
    /// presets and JSON files keep their own vocabulary (it must hold the tokenizer's <paramref name="vocabSize"/>
    /// ids) and image size (images are resized to it).
    /// </summary>
    public static ClipConfig Resolve(string nameOrPath, int vocabSize, int imageSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath, nameof(nameOrPath));
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1, nameof(vocabSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1, nameof(imageSize));
        ClipConfig config;
        if (Preset(nameOrPath, vocabSize, imageSize) is ClipConfig preset) config = preset;
        else if (File.Exists(nameOrPath)) config = FromFile(nameOrPath);
        else throw new ArgumentException($"'{nameOrPath}' is neither a model preset ({string.Join(", ", PresetNames)}) nor a config file", nameof(nameOrPath));
        if (config.Text.VocabSize < vocabSize)
            throw new ArgumentException($"model '{nameOrPath}' has a vocabulary of {config.Text.VocabSize} tokens; the tokenizer needs {vocabSize}", nameof(nameOrPath));
        return config;
    }
}
