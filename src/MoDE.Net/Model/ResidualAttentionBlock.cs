using TorchSharp.Modules;
using TorchSharp;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Model;

/// <summary>
/// CLIP's pre-LayerNorm transformer block, batch first: x + attn(ln_1(x)), then x + mlp(ln_2(x)), the MLP being
/// c_fc, GELU or QuickGELU, c_proj. Parameter names follow open_clip's (<c>ln_1</c>, <c>attn.in_proj_weight</c>,
/// <c>attn.out_proj</c>, <c>ln_2</c>, <c>mlp.c_fc</c>, <c>mlp.c_proj</c>).
/// </summary>
public sealed class ResidualAttentionBlock : Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly SelfAttention attn;
    private readonly LayerNorm ln_2;
    private readonly Sequential mlp;

    /// <param name="width">Model width W.</param>
    /// <param name="heads">Attention heads; must divide W.</param>
    /// <param name="mlpWidth">Hidden width of the MLP (CLIP: 4W).</param>
    /// <param name="quickGelu">QuickGELU instead of exact GELU in the MLP.</param>
    /// <param name="causal">Causal self-attention (the text tower) or full (the image tower).</param>
    /// <param name="device">Where to allocate the parameters (default: the CPU).</param>
    public ResidualAttentionBlock(int width, int heads, int mlpWidth, bool quickGelu, bool causal, Device? device = null)
        : base(nameof(ResidualAttentionBlock))
    {
        ln_1 = LayerNorm(width, device: device);
        attn = new SelfAttention(width, heads, causal, device);
        ln_2 = LayerNorm(width, device: device);
        mlp = Sequential(
            ("c_fc", Linear(width, mlpWidth, device: device)),
            ("gelu", quickGelu ? new QuickGelu() : GELU()),
            ("c_proj", Linear(mlpWidth, width, device: device)));
        RegisterComponents();
    }

    /// <summary>The attention sub-layer.</summary>
    public SelfAttention Attention => attn;

    /// <summary>The MLP's first (widening) linear layer.</summary>
    public Linear MlpIn => (Linear)mlp[0];

    /// <summary>The MLP's second (narrowing) linear layer.</summary>
    public Linear MlpOut => (Linear)mlp[2];

    /// <summary>x [B, L, W] to [B, L, W].</summary>
    public override Tensor forward(Tensor x)
    {
        x = x + attn.call(ln_1.call(x));      // [B, L, W]
        return x + mlp.call(ln_2.call(x));    // [B, L, W]
    }
}
