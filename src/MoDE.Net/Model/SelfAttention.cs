using TorchSharp.Modules;
using TorchSharp;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Model;

/// <summary>
/// Multi-head self-attention, batch first, with PyTorch's nn.MultiheadAttention parameters and names (one packed
/// query/key/value projection <c>in_proj_weight</c> [3W, W] and <c>in_proj_bias</c> [3W], then <c>out_proj</c>), so
/// its state matches open_clip's <c>attn</c>. Causal when built so: position i attends to positions 0..i only.
/// </summary>
public sealed class SelfAttention : Module<Tensor, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;
    private readonly int heads;
    private readonly bool causal;

    public SelfAttention(int width, int heads, bool causal, Device? device = null) : base(nameof(SelfAttention))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1, nameof(heads));
        if (width % heads != 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, $"must divide the width {width}");
        this.heads = heads;
        this.causal = causal;
        in_proj_weight = Parameter(torch.empty(3 * width, width, device: device));
        in_proj_bias = Parameter(torch.zeros(3 * width, device: device));
        out_proj = Linear(width, width, device: device);
        RegisterComponents();
    }

    /// <summary>The packed query/key/value projection weight [3W, W].</summary>
    public Parameter InProjWeight => in_proj_weight;

    /// <summary>The packed query/key/value projection bias [3W].</summary>
    public Parameter InProjBias => in_proj_bias;

    /// <summary>The output projection.</summary>
    public Linear OutProj => out_proj;

    /// <summary>x [B, L, W] to [B, L, W].</summary>
    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0], length = x.shape[1], width = x.shape[2];
        var qkv = functional.linear(x, in_proj_weight, in_proj_bias)   // [B, L, 3W]
            .view(batch, length, 3, heads, width / heads)               // [B, L, 3, H, W/H]
            .permute(2, 0, 3, 1, 4);                                     // [3, B, H, L, W/H]
        var attended = functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: causal) // [B, H, L, W/H]
            .transpose(1, 2).reshape(batch, length, width);              // [B, L, W]
        return out_proj.call(attended);
    }
}
