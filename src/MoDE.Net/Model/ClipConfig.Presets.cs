namespace MoDE.Model;

/// <summary>The named architectures: two tiny ones that train on 2 CPU cores, and open_clip's ViT-B-32, ViT-B-16 and
/// ViT-L-14 with open_clip's exact hyperparameters (and so its parameter counts).</summary>
public sealed partial record ClipConfig
{
    /// <summary>The preset names <see cref="Resolve"/> accepts.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "tiny-vit", "ViT-B-32", "ViT-B-16", "ViT-L-14"];

    /// <summary>The preset called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static ClipConfig? Preset(string name, int vocabSize, int imageSize) => name.ToLowerInvariant() switch
    {
        "tiny" => Tiny(vocabSize, imageSize),
        "tiny-vit" => TinyVit(vocabSize, imageSize),
        "vit-b-32" => VitB32(),
        "vit-b-16" => VitB16(),
        "vit-l-14" => VitL14(),
        _ => null,
    };

    /// <summary>
    /// "tiny": a CLIP small enough to train at several hundred pairs/s on 2 CPU cores with 32x32 images:
    /// a 3-block CNN (32, 64, 128 channels) and a 2-layer, width-128, 4-head text transformer over 32 tokens,
    /// QuickGELU as in OpenAI's CLIP.
    /// </summary>
    public static ClipConfig Tiny(int vocabSize, int imageSize = 32) => new(
        EmbedDim: 128,
        Vision: new ClipVisionConfig(ImageSize: imageSize, Kind: ClipVisionConfig.Cnn, Width: 32, Layers: 3),
        Text: TinyText(vocabSize),
        QuickGelu: true);

    /// <summary>
    /// "tiny-vit": the tiny text tower with a 4-layer, width-128, 4-head vision transformer over 4x4-pixel patches
    /// (64 patches and a class token at 32x32): the smallest ViT that still learns on 2 CPU cores.
    /// </summary>
    public static ClipConfig TinyVit(int vocabSize, int imageSize = 32) => new(
        EmbedDim: 128,
        Vision: new ClipVisionConfig(ImageSize: imageSize, Kind: ClipVisionConfig.Vit, Width: 128, Layers: 4, PatchSize: 4, HeadWidth: 32),
        Text: TinyText(vocabSize),
        QuickGelu: true);

    static ClipTextConfig TinyText(int vocabSize) => new(ContextLength: 32, VocabSize: vocabSize, Width: 128, Layers: 2, Heads: 4);

    /// <summary>open_clip's ViT-B-32 (OpenAI CLIP ViT-B/32 with GELU): 151,277,313 parameters.</summary>
    public static ClipConfig VitB32() => OpenClipVit(embedDim: 512, patchSize: 32, visionWidth: 768, visionLayers: 12, textWidth: 512, textHeads: 8);

    /// <summary>open_clip's ViT-B-16: 149,620,737 parameters.</summary>
    public static ClipConfig VitB16() => OpenClipVit(embedDim: 512, patchSize: 16, visionWidth: 768, visionLayers: 12, textWidth: 512, textHeads: 8);

    /// <summary>open_clip's ViT-L-14: 427,616,513 parameters.</summary>
    public static ClipConfig VitL14() => OpenClipVit(embedDim: 768, patchSize: 14, visionWidth: 1024, visionLayers: 24, textWidth: 768, textHeads: 12);

    // open_clip's ViT configs: 224-pixel images, 64-wide heads, MLP ratio 4; a 12-layer text transformer over 77 tokens
    // of CLIP's 49,408-token BPE vocabulary.
    static ClipConfig OpenClipVit(int embedDim, int patchSize, int visionWidth, int visionLayers, int textWidth, int textHeads) => new(
        EmbedDim: embedDim,
        Vision: new ClipVisionConfig(ImageSize: 224, Kind: ClipVisionConfig.Vit, Width: visionWidth, Layers: visionLayers, PatchSize: patchSize),
        Text: new ClipTextConfig(ContextLength: 77, VocabSize: 49408, Width: textWidth, Layers: 12, Heads: textHeads));
}
