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
    /// <summary>OpenAI CLIP's per-channel RGB mean (of its training images, on a 0..1 scale).</summary>
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>OpenAI CLIP's per-channel RGB standard deviation.</summary>
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>Images at <paramref name="rows"/> as a float tensor [rows, 3, H, W], normalized.</summary>
    public static Tensor ToTensor(IImageRows images, ReadOnlySpan<int> rows)
    {
        ArgumentNullException.ThrowIfNull(images);
        var pixels = new byte[(long)rows.Length * images.ImageBytes];
        images.CopyImages(rows, pixels);
        using var scope = torch.NewDisposeScope();
        var hwc = torch.tensor(pixels, [rows.Length, images.Height, images.Width, ImageSet.Channels]); // [B, H, W, 3] uint8
        var chw = hwc.permute(0, 3, 1, 2).to(ScalarType.Float32).div_(255f);                            // [B, 3, H, W] in [0, 1]
        var mean = torch.tensor(Mean).view(1, 3, 1, 1);
        var std = torch.tensor(Std).view(1, 3, 1, 1);
        return chw.sub_(mean).div_(std).contiguous().MoveToOuterDisposeScope();
    }
}
