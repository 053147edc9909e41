using System.Text.Json.Serialization;

namespace MoDE.Model;

/// <summary>
/// The image tower, with open_clip's <c>vision_cfg</c> keys and defaults (open_clip's CLIPVisionCfg: a ViT-B/16 at 224
/// pixels). <see cref="Kind"/> "vit" (the default, as open_clip's configs carry no kind): a vision transformer over
/// <see cref="PatchSize"/>-pixel patches, <see cref="Layers"/> blocks of width <see cref="Width"/>, with
/// Width / <see cref="HeadWidth"/> heads and an MLP <see cref="MlpRatio"/> times as wide. Kind "cnn": <see cref="Layers"/>
/// blocks of 3x3 convolution, GroupNorm, ReLU and 2x2 average pooling, the channel count doubling from
/// <see cref="Width"/> each block (patch size, head width and MLP ratio unused).
/// </summary>
public sealed record ClipVisionConfig(
    [property: JsonPropertyName("image_size")] int ImageSize = 224,
    [property: JsonPropertyName("kind")] string Kind = ClipVisionConfig.Vit,
    [property: JsonPropertyName("width")] int Width = 768,
    [property: JsonPropertyName("layers")] int Layers = 12,
    [property: JsonPropertyName("patch_size")] int PatchSize = 16,
    [property: JsonPropertyName("head_width")] int HeadWidth = 64,
    [property: JsonPropertyName("mlp_ratio")] double MlpRatio = 4.0)
{
    /// <summary>A vision transformer (<see cref="VisionTransformer"/>).</summary>
    public const string Vit = "vit";

    /// <summary>The small convolutional tower (<see cref="ConvImageEncoder"/>).</summary>
    public const string Cnn = "cnn";

    /// <summary>Attention heads of a ViT: width / head width.</summary>
    [JsonIgnore] public int Heads => Width / HeadWidth;

    /// <summary>Patches along one side of the image (a ViT's grid).</summary>
    [JsonIgnore] public int GridSize => ImageSize / PatchSize;

    /// <summary>The largest image side: 16,384 pixels (open_clip's largest configs use 448).</summary>
    public const int MaxImageSize = 1 << 14;

    public void Validate()
    {
        if (ImageSize is < 1 or > MaxImageSize) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, $"must lie in 1..{MaxImageSize}");
        if (Layers is < 1 or > ClipConfig.MaxLayers) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, $"must lie in 1..{ClipConfig.MaxLayers}");
        if (Width is < 1 or > ClipConfig.MaxWidth) throw new ArgumentOutOfRangeException(nameof(Width), Width, $"must lie in 1..{ClipConfig.MaxWidth}");
        switch (Kind)
        {
            case Vit:
                if (PatchSize < 1 || ImageSize % PatchSize != 0)
                    throw new ArgumentOutOfRangeException(nameof(PatchSize), PatchSize, $"must divide the image size {ImageSize}");
                if (HeadWidth < 1 || Width % HeadWidth != 0)
                    throw new ArgumentOutOfRangeException(nameof(HeadWidth), HeadWidth, $"must divide the width {Width}");
                ClipConfig.ValidateMlpRatio(Width, MlpRatio);
                break;
            case Cnn:
                if (Width < 8 || Width % 8 != 0) throw new ArgumentOutOfRangeException(nameof(Width), Width, "must be a positive multiple of 8 (GroupNorm uses 8 groups)");
                if (Width * Math.Pow(2, Layers - 1) > ClipConfig.MaxWidth)
                    throw new ArgumentOutOfRangeException(nameof(Layers), Layers, $"the channels double each block, and width {Width} after {Layers} blocks exceeds {ClipConfig.MaxWidth}");
                break;
            default:
                throw new ArgumentException($"unknown vision kind '{Kind}' (known: {Vit}, {Cnn})", nameof(Kind));
        }
    }
}
