using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Train;

/// <summary>
/// CLIP's transformer block, batch first: x + attn(ln_1(x)), then x + mlp(ln_2(x)), with causal self-attention
/// and a 4x MLP using QuickGELU (x * sigmoid(1.702 x)), as the OpenAI CLIP weights do.
/// </summary>
public sealed class ResidualAttentionBlock : Module<Tensor, Tensor>
{
    private readonly LayerNorm ln_1;
    private readonly Linear in_proj;
    private readonly Linear out_proj;
    private readonly LayerNorm ln_2;
    private readonly Linear c_fc;
    private readonly Linear c_proj;
    private readonly int heads;

    public ResidualAttentionBlock(int width, int heads) : base(nameof(ResidualAttentionBlock))
    {
        this.heads = heads;
        ln_1 = LayerNorm(width);
        in_proj = Linear(width, 3 * width);
        out_proj = Linear(width, width);
        ln_2 = LayerNorm(width);
        c_fc = Linear(width, 4 * width);
        c_proj = Linear(4 * width, width);
        RegisterComponents();
    }

    /// <summary>x [B, L, W] to [B, L, W]; position i attends to positions 0..i only.</summary>
    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0], length = x.shape[1], width = x.shape[2];
        var qkv = in_proj.call(ln_1.call(x))                              // [B, L, 3W]
            .view(batch, length, 3, heads, width / heads)                 // [B, L, 3, H, W/H]
            .permute(2, 0, 3, 1, 4);                                       // [3, B, H, L, W/H]
        var attended = functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], is_casual: true) // [B, H, L, W/H]
            .transpose(1, 2).reshape(batch, length, width);                // [B, L, W]
        x = x + out_proj.call(attended);
        var hidden = c_fc.call(ln_2.call(x));                              // [B, L, 4W]
        hidden = hidden * torch.sigmoid(1.702 * hidden);                   // QuickGELU
        return x + c_proj.call(hidden);                                    // [B, L, W]
    }
}
