using MoDE.Data;
using MoDE.Tokenizer;
using TorchSharp.Modules;
using TorchSharp;

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Model;

/// <summary>
/// A CLIP model as in open_clip: an image tower (a <see cref="VisionTransformer"/> or the small
/// <see cref="ConvImageEncoder"/>) and a causal text transformer, each projected to a shared embedding and
/// L2-normalized, plus the learnable temperature. Calling it gives (image features, text features). Parameter names
/// follow open_clip's (<c>visual.*</c>, <c>token_embedding</c>, <c>positional_embedding</c>,
/// <c>transformer.resblocks.*</c>, <c>ln_final</c>, <c>text_projection</c>, <c>logit_scale</c>).
/// </summary>
public sealed class Clip : Module<Tensor, Tensor, (Tensor ImageFeatures, Tensor TextFeatures)>
{
    /// <summary>The initial logit scale, ln(1 / 0.07): CLIP starts at temperature 0.07.</summary>
    public static readonly double InitialLogitScale = Math.Log(1 / 0.07);

    /// <summary>The logit scale is clamped to ln(100) = 4.6052 when used, as in the CLIP paper, so logits stay within
    /// 100 x cosine and training stays stable.</summary>
    public static readonly double MaxLogitScale = Math.Log(100);

    private readonly Module<Tensor, Tensor> visual;
    private readonly Embedding token_embedding;
    private readonly Parameter positional_embedding;
    private readonly Transformer transformer;
    private readonly LayerNorm ln_final;
    private readonly Parameter text_projection;
    private readonly Parameter logit_scale;

    /// <summary>A model initialised from <paramref name="seed"/> alone: every parameter is drawn from a private
    /// generator, so the result does not depend on torch's global random state or on other threads using it.
    /// On the "meta" device the parameters have shapes but no storage (to count them) and are not initialised.</summary>
    public Clip(ClipConfig config, long seed = 0, Device? device = null) : base(nameof(Clip))
    {
        Config = config.Validate();
        var text = config.Text;
        visual = config.Vision.Kind == ClipVisionConfig.Vit
            ? new VisionTransformer(config.Vision, config.EmbedDim, config.QuickGelu, device)
            : new ConvImageEncoder(config.Vision, config.EmbedDim, device);
        token_embedding = Embedding(text.VocabSize, text.Width, device: device);
        positional_embedding = Parameter(torch.zeros(text.ContextLength, text.Width, device: device));
        transformer = new Transformer(text.Width, text.Layers, text.Heads, text.MlpRatio, config.QuickGelu, causal: true, device);
        ln_final = LayerNorm(text.Width, device: device);
        text_projection = Parameter(torch.zeros(text.Width, config.EmbedDim, device: device));
        logit_scale = Parameter(torch.tensor(InitialLogitScale, ScalarType.Float32, device: device));
        RegisterComponents();
        if (device?.type == DeviceType.META) return;
        using var generator = new Generator((ulong)seed);
        Initialize(generator);
    }

    /// <summary>A model of <paramref name="config"/> with the weights of the open_clip checkpoint at <paramref name="path"/>
    /// (<see cref="OpenClipCheckpoint.Load"/>: all or nothing, every missing, unexpected or wrongly shaped tensor named in
    /// one <see cref="InvalidDataException"/>), on the CPU.</summary>
    public static Clip FromOpenClip(ClipConfig config, string path)
    {
        var model = new Clip(config);
        try
        {
            OpenClipCheckpoint.Load(model, path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// PyTorch's defaults for linear, convolution, norm and attention layers (nn.MultiheadAttention's: Glorot-uniform
    /// packed projection, zero biases), then open_clip's own rules: for a ViT its class token, positional embeddings and
    /// projection; for the text tower N(0, 0.02²) token and N(0, 0.01²) positional embeddings, attention, MLP and
    /// projection weights N(0, std²) with std = W^-0.5 (input projection, text projection), (2W)^-0.5 (c_fc) and
    /// W^-0.5 (2L)^-0.5 (output projections). Drawn in a fixed order from <paramref name="generator"/>.
    /// </summary>
    void Initialize(Generator generator)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case TorchSharp.Modules.Linear or TorchSharp.Modules.Conv2d:
                    ParameterInit.Default(module.get_parameter("weight")!, module.get_parameter("bias"), generator);
                    break;
                case TorchSharp.Modules.LayerNorm or TorchSharp.Modules.GroupNorm:
                    // TorchSharp 0.107's GroupNorm leaves its affine parameters uninitialised (garbage, even NaN).
                    init.ones_(module.get_parameter("weight")!);
                    init.zeros_(module.get_parameter("bias")!);
                    break;
                case SelfAttention attention:
                    ParameterInit.XavierUniform(attention.InProjWeight, generator);
                    init.zeros_(attention.InProjBias);
                    break;
            }
        }
        foreach (var (_, module) in named_modules())
            if (module is SelfAttention attention) init.zeros_(attention.OutProj.bias!); // after the Linear default above
        if (visual is VisionTransformer vit) vit.InitializeOwn(generator);

        var text = Config.Text;
        ParameterInit.Normal(token_embedding.weight!, 0.02, generator);
        ParameterInit.Normal(positional_embedding, 0.01, generator);
        double attnStd = Math.Pow(text.Width, -0.5);
        double projStd = attnStd * Math.Pow(2 * text.Layers, -0.5);
        double fcStd = Math.Pow(2 * text.Width, -0.5);
        foreach (var block in transformer.Blocks)
        {
            ParameterInit.Normal(block.Attention.InProjWeight, attnStd, generator);
            ParameterInit.Normal(block.Attention.OutProj.weight!, projStd, generator);
            ParameterInit.Normal(block.MlpIn.weight!, fcStd, generator);
            ParameterInit.Normal(block.MlpOut.weight!, projStd, generator);
        }
        ParameterInit.Normal(text_projection, attnStd, generator);
        logit_scale.fill_(InitialLogitScale);
    }

    /// <summary>Number of scalar parameters (what open_clip's model profile reports).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    public ClipConfig Config { get; }

    /// <summary>The learnable log of the inverse temperature (unclamped).</summary>
    public Parameter LogitScale => logit_scale;

    /// <summary>Images [B, 3, H, W], already normalized (<see cref="ClipImageTransform"/>), to unit features [B, EmbedDim].</summary>
    public Tensor EncodeImage(Tensor images)
    {
        using var scope = torch.NewDisposeScope();
        var features = visual.call(images);                              // [B, EmbedDim]
        return functional.normalize(features, dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Tokens [B, L] (int64, from <see cref="CaptionTokenizer"/>) to unit features [B, EmbedDim], read at the
    /// end-of-text token, found as in CLIP as the position of each row's largest id: the tokenizer guarantees that
    /// end-of-text has the largest id of its vocabulary and appears once per row, followed only by padding (0).
    /// </summary>
    public Tensor EncodeText(Tensor tokens)
    {
        using var scope = torch.NewDisposeScope();
        long batch = tokens.shape[0], length = tokens.shape[1];
        var x = token_embedding.call(tokens) + positional_embedding[..(int)length]; // [B, L, W]
        x = ln_final.call(transformer.call(x));                                      // [B, L, W]
        var eot = tokens.argmax(1);                                                   // [B] end-of-text positions
        var index = eot.view(batch, 1, 1).expand(batch, 1, x.shape[2]);
        var pooled = x.gather(1, index).squeeze(1);                                  // [B, W]
        var features = pooled.matmul(text_projection);                               // [B, EmbedDim]
        return functional.normalize(features, dim: -1).MoveToOuterDisposeScope();
    }

    public override (Tensor ImageFeatures, Tensor TextFeatures) forward(Tensor images, Tensor tokens) =>
        (EncodeImage(images), EncodeText(tokens));

    /// <summary>Unit image features of every image, in order, computed in inference mode.</summary>
    public float[][] EncodeImages(IImageRows images, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Infer(images.Count, batchSize, rows => EncodeImage(ClipImageTransform.ToTensor(images, rows)));
    }

    /// <summary>Unit text features of every caption, in order, computed in inference mode.</summary>
    public float[][] EncodeTexts(CaptionTokenizer tokenizer, IReadOnlyList<string> captions, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(captions);
        if (tokenizer.ContextLength > Config.Text.ContextLength)
            throw new ArgumentException($"tokenizer context {tokenizer.ContextLength} exceeds the model's {Config.Text.ContextLength}", nameof(tokenizer));
        if (tokenizer.VocabSize > Config.Text.VocabSize)
            throw new ArgumentException($"tokenizer vocabulary {tokenizer.VocabSize} exceeds the model's {Config.Text.VocabSize}", nameof(tokenizer));
        var tokens = tokenizer.Encode(captions);
        return Infer(captions.Count, batchSize, rows => EncodeText(CaptionTokenizer.ToTensor(tokens, rows)));
    }

    float[][] Infer(int count, int batchSize, Func<int[], Tensor> encode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1, nameof(batchSize));
        bool wasTraining = training;
        eval();
        try
        {
            using var noGrad = torch.no_grad();
            var result = new float[count][];
            for (int start = 0; start < count; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                var rows = Enumerable.Range(start, Math.Min(batchSize, count - start)).ToArray();
                var features = encode(rows).contiguous().data<float>().ToArray(); // [rows, EmbedDim], row-major
                int dim = Config.EmbedDim;
                for (int i = 0; i < rows.Length; i++) result[start + i] = features.AsSpan(i * dim, dim).ToArray();
            }
            return result;
        }
        finally
        {
            train(wasTraining);
        }
    }
}
