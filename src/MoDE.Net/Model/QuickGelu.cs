using TorchSharp;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Model;

/// <summary>CLIP's QuickGELU, x * sigmoid(1.702 x): the activation OpenAI's CLIP weights were trained with, a cheap
/// approximation of GELU.</summary>
public sealed class QuickGelu : Module<Tensor, Tensor>
{
    public QuickGelu() : base(nameof(QuickGelu)) { }

    public override Tensor forward(Tensor x) => x * torch.sigmoid(1.702 * x);
}
