using TorchSharp.Modules;
using TorchSharp;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Model;

/// <summary>
/// The "vit" image tower, as in CLIP and open_clip: non-overlapping patches embedded by a bias-free convolution
/// (<c>conv1</c>), a learned class token (<c>class_embedding</c>) prepended, learned positional embeddings added,
/// <c>ln_pre</c>, a pre-LayerNorm transformer with full attention, then <c>ln_post</c> of the class token projected
/// to the embedding by a bias-free matrix (<c>proj</c>).
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly Parameter class_embedding;
    private readonly Parameter positional_embedding;
    private readonly LayerNorm ln_pre;
    private readonly Transformer transformer;
    private readonly LayerNorm ln_post;
    private readonly Parameter proj;

    public VisionTransformer(ClipVisionConfig config, int embedDim, bool quickGelu, Device? device = null) : base(nameof(VisionTransformer))
    {
        config.Validate();
        if (config.Kind != ClipVisionConfig.Vit) throw new ArgumentException($"vision kind '{config.Kind}' is not a ViT", nameof(config));
        int width = config.Width;
        conv1 = Conv2d(3, width, kernel_size: config.PatchSize, stride: config.PatchSize, bias: false, device: device);
        class_embedding = Parameter(torch.zeros(width, device: device));
        positional_embedding = Parameter(torch.zeros(config.GridSize * config.GridSize + 1, width, device: device));
        ln_pre = LayerNorm(width, device: device);
        transformer = new Transformer(width, config.Layers, config.Heads, config.MlpRatio, quickGelu, causal: false, device);
        ln_post = LayerNorm(width, device: device);
        proj = Parameter(torch.zeros(width, embedDim, device: device));
        RegisterComponents();
    }

    /// <summary>open_clip's initialisation of the parameters this class owns: the class token, positional embeddings
    /// and projection N(0, 1/width). (The convolution, norms and blocks keep PyTorch's defaults.)</summary>
    internal void InitializeOwn(Generator generator)
    {
        double scale = Math.Pow(class_embedding.shape[0], -0.5);
        ParameterInit.Normal(class_embedding, scale, generator);
        ParameterInit.Normal(positional_embedding, scale, generator);
        ParameterInit.Normal(proj, scale, generator);
    }

    /// <summary>Images [B, 3, S, S], normalized, to unnormalized features [B, EmbedDim].</summary>
    public override Tensor forward(Tensor images)
    {
        long batch = images.shape[0];
        var x = conv1.call(images);                                      // [B, W, G, G]
        x = x.flatten(2).transpose(1, 2);                                // [B, G*G, W]
        var cls = class_embedding.view(1, 1, -1).expand(batch, 1, -1);   // [B, 1, W]
        x = torch.cat([cls, x], dim: 1) + positional_embedding;          // [B, G*G + 1, W]
        x = transformer.call(ln_pre.call(x));                            // [B, G*G + 1, W]
        var pooled = ln_post.call(x.select(1, 0));                       // [B, W] the class token
        return pooled.matmul(proj);                                      // [B, EmbedDim]
    }
}
