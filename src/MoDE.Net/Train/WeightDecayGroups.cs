using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace MoDE.Train;

/// <summary>
/// Splits a model's parameters into the two AdamW groups open_clip uses: weight matrices and kernels get weight
/// decay; gains, biases (anything under two dimensions, the logit scale included) and the token and positional
/// embeddings do not.
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
