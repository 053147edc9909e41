using MoDE.Model;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Train;

/// <summary>
/// CLIP's symmetric InfoNCE loss: pair i's image should pick caption i among the batch and vice versa,
/// (cross_entropy(logits_per_image, labels) + cross_entropy(logits_per_text, labels)) / 2.
/// </summary>
public static class ClipLoss
{
    /// <summary>
    /// Unit features [B, D] of images and texts, and the (unclamped) logit scale; returns the scalar loss.
    /// Logits are exp(min(logitScale, ln 100)) x image @ text^T.
    /// </summary>
    public static Tensor Compute(Tensor imageFeatures, Tensor textFeatures, Tensor logitScale)
    {
        using var scope = torch.NewDisposeScope();
        var scale = logitScale.clamp(max: Clip.MaxLogitScale).exp();
        var logitsPerImage = scale * imageFeatures.matmul(textFeatures.t()); // [B, B]
        var logitsPerText = logitsPerImage.t();                               // [B, B]
        var labels = torch.arange(imageFeatures.shape[0], dtype: ScalarType.Int64, device: imageFeatures.device);
        var loss = (nn.functional.cross_entropy(logitsPerImage, labels) + nn.functional.cross_entropy(logitsPerText, labels)) / 2;
        return loss.MoveToOuterDisposeScope();
    }
}
