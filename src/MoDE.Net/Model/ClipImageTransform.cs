using MoDE.Data;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Model;

/// <summary>
/// The one image preprocessing shared by training and inference: 8-bit RGB, height x width x channel, to float
/// channel x height x width in [0, 1], normalized with the mean and standard deviation OpenAI CLIP uses.
/// No flips: the data holds letters and digits.
/// </summary>
public static class ClipImageTransform
{
    /// <summary>OpenAI CLIP's per-channel RGB mean (of its training images, on a 0..1 scale), as published (and as
    /// open_clip's constants.py and an exported open_clip_config.json write it); applied in float32.</summary>
    public static readonly double[] Mean = [0.48145466, 0.4578275, 0.40821073];

    /// <summary>OpenAI CLIP's per-channel RGB standard deviation, as published.</summary>
    public static readonly double[] Std = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Images at <paramref name="rows"/> as a float tensor [rows, 3, H, W], normalized.</summary>
    public static Tensor ToTensor(IImageRows images, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(images);
        var pixels = new byte[(long)rows.Length * images.ImageBytes];
        images.CopyImages(rows, pixels);
        using var scope = torch.NewDisposeScope();
        var hwc = torch.tensor(pixels, [rows.Length, images.Height, images.Width, ImageSet.Channels]); // [B, H, W, 3] uint8
        var chw = hwc.permute(0, 3, 1, 2).to(ScalarType.Float32).div_(255f);                            // [B, 3, H, W] in [0, 1]
        var mean = torch.tensor(Mean, ScalarType.Float32).view(1, 3, 1, 1);
        var std = torch.tensor(Std, ScalarType.Float32).view(1, 3, 1, 1);
        return chw.sub_(mean).div_(std).contiguous().MoveToOuterDisposeScope();
    }
}
