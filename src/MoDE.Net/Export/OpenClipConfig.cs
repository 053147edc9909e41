using System.Text.Json;
using System.Text.Json.Nodes;
using MoDE.Model;

namespace MoDE.Export;

/// <summary>
/// <c>open_clip_config.json</c> of an exported model, in the shape open_clip's factory reads from a
/// <c>local-dir:</c> or Hugging Face folder (src/open_clip/factory.py: a "model_cfg" and a "preprocess_cfg"). The
/// model config carries the keys of open_clip's CLIPVisionCfg and CLIPTextCfg (src/open_clip/model.py) with
/// MoDE's values, so open_clip builds the same ViT and text tower. A "cnn" image tower (the tiny preset's) has no
/// open_clip equivalent: its vision_cfg keeps MoDE's own keys (kind, width, layers), which only mode_clip.py reads.
/// The preprocessing is MoDE's (Data/Ingest/ImageDecoder.cs: the shorter side resized bilinearly to the image size,
/// the center square cut out; ClipImageTransform.cs: OpenAI CLIP's mean and standard deviation), in the fields of
/// open_clip's PreprocessCfg (src/open_clip/transform.py).
/// </summary>
public static class OpenClipConfig
{
    public const string FileName = "open_clip_config.json";

    /// <summary>Whether open_clip can build <paramref name="config"/>'s architecture (a ViT image tower).</summary>
    public static bool OpenClipBuilds(ClipConfig config) => config.Vision.Kind == ClipVisionConfig.Vit;

    /// <summary>The model config of a file <see cref="ToJson"/> wrote (its "model_cfg"); throws <see cref="InvalidDataException"/> naming the file otherwise.</summary>
    public static ClipConfig Read(string path)
    {
        try
        {
            var model = JsonNode.Parse(File.ReadAllText(path))?["model_cfg"] ?? throw new JsonException("no \"model_cfg\"");
            return ClipConfig.FromJson(model.ToJsonString());
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not an exported open_clip config: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    public static string ToJson(ClipConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var v = config.Vision;
        var vision = OpenClipBuilds(config)
            ? new JsonObject
            {
                ["image_size"] = v.ImageSize, ["layers"] = v.Layers, ["width"] = v.Width, ["patch_size"] = v.PatchSize,
                ["head_width"] = v.HeadWidth, ["mlp_ratio"] = v.MlpRatio,
            }
            : new JsonObject { ["image_size"] = v.ImageSize, ["kind"] = v.Kind, ["width"] = v.Width, ["layers"] = v.Layers };
        var t = config.Text;
        var document = new JsonObject
        {
            ["model_cfg"] = new JsonObject
            {
                ["embed_dim"] = config.EmbedDim,
                ["quick_gelu"] = config.QuickGelu,
                ["vision_cfg"] = vision,
                ["text_cfg"] = new JsonObject
                {
                    ["context_length"] = t.ContextLength, ["vocab_size"] = t.VocabSize, ["width"] = t.Width,
                    ["heads"] = t.Heads, ["layers"] = t.Layers, ["mlp_ratio"] = t.MlpRatio,
                },
            },
            ["preprocess_cfg"] = new JsonObject
            {
                ["size"] = v.ImageSize,
                ["mode"] = "RGB",
                ["mean"] = new JsonArray([.. ClipImageTransform.Mean.Select(m => JsonValue.Create(m))]),
                ["std"] = new JsonArray([.. ClipImageTransform.Std.Select(s => JsonValue.Create(s))]),
                ["interpolation"] = "bilinear",
                ["resize_mode"] = "shortest",
                ["fill_color"] = 0,
            },
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
