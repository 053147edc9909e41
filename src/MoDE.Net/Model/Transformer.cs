using TorchSharp.Modules;
using TorchSharp;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Model;

/// <summary>A stack of <see cref="ResidualAttentionBlock"/>s, batch first, named <c>resblocks</c> as in open_clip.</summary>
public sealed class Transformer : Module<Tensor, Tensor>
{
    private readonly ModuleList<ResidualAttentionBlock> resblocks;

    public Transformer(int width, int layers, int heads, double mlpRatio, bool quickGelu, bool causal, Device? device = null)
        : base(nameof(Transformer))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1, nameof(layers));
        int mlpWidth = checked((int)(width * mlpRatio));
        resblocks = new ModuleList<ResidualAttentionBlock>();
        for (int i = 0; i < layers; i++) resblocks.Add(new ResidualAttentionBlock(width, heads, mlpWidth, quickGelu, causal, device));
        RegisterComponents();
    }

    /// <summary>The blocks, input to output.</summary>
    public IEnumerable<ResidualAttentionBlock> Blocks => resblocks;

    /// <summary>x [B, L, W] to [B, L, W].</summary>
    public override Tensor forward(Tensor x)
    {
        foreach (var block in resblocks) x = block.call(x);
        return x;
    }
}
