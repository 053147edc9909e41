using TorchSharp.Modules;
using TorchSharp;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Model;

/// <summary>
/// The "cnn" image tower: blocks of 3x3 convolution, GroupNorm (8 groups; no batch coupling, so training and
/// inference compute the same function), ReLU and 2x2 average pooling, channels doubling each block; then a global
/// average pool and a linear projection to the embedding.
/// </summary>
public sealed class ConvImageEncoder : Module<Tensor, Tensor>
{
    const int NormGroups = 8;

    private readonly ModuleList<Sequential> blocks;
    private readonly Linear proj;

    public ConvImageEncoder(ClipVisionConfig config, int embedDim, Device? device = null) : base(nameof(ConvImageEncoder))
    {
        config.Validate();
        if (config.Kind != ClipVisionConfig.Cnn) throw new ArgumentException($"vision kind '{config.Kind}' is not the CNN", nameof(config));
        blocks = new ModuleList<Sequential>();
        int channels = 3;
        for (int i = 0; i < config.Layers; i++)
        {
            int width = config.Width << i;
            var norm = GroupNorm(NormGroups, width, device: device); // affine parameters set by Clip's initialisation
            blocks.Add(Sequential(
                ("conv", Conv2d(channels, width, kernel_size: 3, padding: 1, bias: false, device: device)),
                ("norm", norm),
                ("relu", ReLU()),
                ("pool", AvgPool2d(kernel_size: 2, ceil_mode: true))));
            channels = width;
        }
        proj = Linear(channels, embedDim, device: device);
        RegisterComponents();
    }

    /// <summary>Images [B, 3, H, W], normalized, to unnormalized features [B, EmbedDim].</summary>
    public override Tensor forward(Tensor images)
    {
        var x = images;
        foreach (var block in blocks) x = block.call(x);  // [B, C_i, H / 2^i, W / 2^i]
        x = x.mean([2, 3]);                                 // [B, C]
        return proj.call(x);                                // [B, EmbedDim]
    }
}
