using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Model;

/// <summary>
/// Parameter initialisation drawn from a private generator, so a model's weights depend on its seed alone.
/// (TorchSharp 0.107's init.uniform_ / init.normal_ accept a generator but ignore it; torch.rand / torch.randn honour it.)
/// </summary>
static class ParameterInit
{
    /// <summary>U(-bound, bound).</summary>
    public static void Uniform(Tensor parameter, double bound, Generator generator)
    {
        using var draw = torch.rand(parameter.shape, generator: generator);
        parameter.copy_(draw.mul_(2 * bound).sub_(bound));
    }

    /// <summary>N(0, std²).</summary>
    public static void Normal(Tensor parameter, double std, Generator generator)
    {
        using var draw = torch.randn(parameter.shape, generator: generator);
        parameter.copy_(draw.mul_(std));
    }

    /// <summary>PyTorch's default for linear and convolution weights and biases: kaiming_uniform_(a = sqrt(5)) and its
    /// bias rule both come to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).</summary>
    public static void Default(Tensor weight, Tensor? bias, Generator generator)
    {
        double bound = 1 / Math.Sqrt(weight.numel() / weight.shape[0]);
        Uniform(weight, bound, generator);
        if (bias is not null) Uniform(bias, bound, generator);
    }

    /// <summary>Glorot's uniform rule for a [fan_out, fan_in] matrix, U(±sqrt(6 / (fan_in + fan_out))), as PyTorch's
    /// nn.MultiheadAttention initialises its packed input projection.</summary>
    public static void XavierUniform(Tensor weight, Generator generator) =>
        Uniform(weight, Math.Sqrt(6.0 / (weight.shape[0] + weight.shape[1])), generator);
}
