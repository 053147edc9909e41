using TorchSharp.Modules;

using static TorchSharp.torch.nn;

namespace MoDE.Train;

/// <summary>
/// Splits a model's parameters into two AdamW groups: weight matrices and kernels (the ViT's patch convolution,
/// attention and MLP weights, the projections) get weight decay; gains, biases (anything under two dimensions: layer
/// norms, the ViT's class embedding, the logit scale) and every embedding table (token, text and image positional) do not.
/// open_clip's rule is the same except that it decays the 2-D token and positional embeddings; exempting them is this project's own choice.
/// </summary>
public static class WeightDecayGroups
{
    public static bool IsDecayed(string name, Parameter parameter) =>
        parameter.dim() >= 2 && !name.Contains("embedding", StringComparison.Ordinal);

    public static (IReadOnlyList<(string Name, Parameter Parameter)> Decayed, IReadOnlyList<(string Name, Parameter Parameter)> NotDecayed) Split(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var decayed = new List<(string, Parameter)>();
        var notDecayed = new List<(string, Parameter)>();
        foreach (var (name, parameter) in model.named_parameters())
            (IsDecayed(name, parameter) ? decayed : notDecayed).Add((name, parameter));
        return (decayed, notDecayed);
    }
}
