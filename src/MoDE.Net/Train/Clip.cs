using MoDE.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MoDE.Train;

/// <summary>
/// A CLIP model: an image tower and a causal text transformer, each projected to a shared embedding and
/// L2-normalized, plus the learnable temperature. Calling it gives (image features, text features).
/// </summary>
public sealed class Clip : Module<Tensor, Tensor, (Tensor ImageFeatures, Tensor TextFeatures)>
{
    /// <summary>The initial logit scale, ln(1 / 0.07): CLIP starts at temperature 0.07.</summary>
    public static readonly double InitialLogitScale = Math.Log(1 / 0.07);

    /// <summary>The logit scale is clamped to ln(100) = 4.6052 when used, as in the CLIP paper, so logits stay within
    /// 100 x cosine and training stays stable.</summary>
    public static readonly double MaxLogitScale = Math.Log(100);

    private readonly ConvImageEncoder visual;
    private readonly Embedding token_embedding;
    private readonly Parameter positional_embedding;
    private readonly ModuleList<ResidualAttentionBlock> transformer;
    private readonly LayerNorm ln_final;
    private readonly Parameter text_projection;
    private readonly Parameter logit_scale;

    /// <summary>A model initialised from <paramref name="seed"/> alone: every parameter is drawn from a private
    /// generator, so the result does not depend on torch's global random state or on other threads using it.</summary>
    public Clip(ClipConfig config, long seed = 0) : base(nameof(Clip))
    {
        Config = config.Validate();
        var text = config.Text;
        visual = new ConvImageEncoder(config.Vision, config.EmbedDim);
        token_embedding = Embedding(text.VocabSize, text.Width);
        positional_embedding = Parameter(torch.zeros(text.ContextLength, text.Width));
        transformer = new ModuleList<ResidualAttentionBlock>();
        for (int i = 0; i < text.Layers; i++) transformer.Add(new ResidualAttentionBlock(text.Width, text.Heads));
        ln_final = LayerNorm(text.Width);
        text_projection = Parameter(torch.zeros(text.Width, config.EmbedDim));
        logit_scale = Parameter(torch.tensor(InitialLogitScale, ScalarType.Float32));
        RegisterComponents();
        using var generator = new Generator((ulong)seed);
        Initialize(generator);
    }

    /// <summary>PyTorch's default initialisation for linear, convolution and norm layers, and open_clip's for the
    /// text tower's embeddings and projection, drawn in a fixed order from <paramref name="generator"/>.</summary>
    void Initialize(Generator generator)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case TorchSharp.Modules.Linear or TorchSharp.Modules.Conv2d:
                    // PyTorch's kaiming_uniform_(a = sqrt(5)) and bias rule both come to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
                    var weight = module.get_parameter("weight")!;
                    double bound = 1 / Math.Sqrt(weight.numel() / weight.shape[0]);
                    Uniform(weight, bound, generator);
                    if (module.get_parameter("bias") is Parameter bias) Uniform(bias, bound, generator);
                    break;
                case TorchSharp.Modules.LayerNorm or TorchSharp.Modules.GroupNorm:
                    // TorchSharp 0.107's GroupNorm leaves its affine parameters uninitialised (garbage, even NaN).
                    init.ones_(module.get_parameter("weight")!);
                    init.zeros_(module.get_parameter("bias")!);
                    break;
            }
        }
        Normal(token_embedding.weight!, 0.02, generator);
        Normal(positional_embedding, 0.01, generator);
        Normal(text_projection, Math.Pow(Config.Text.Width, -0.5), generator);
        logit_scale.fill_(InitialLogitScale);
    }

    // TorchSharp 0.107's init.uniform_ / init.normal_ accept a generator but ignore it; torch.rand / torch.randn honour it.
    static void Uniform(Tensor parameter, double bound, Generator generator)
    {
        using var draw = torch.rand(parameter.shape, generator: generator);
        parameter.copy_(draw.mul_(2 * bound).sub_(bound));
    }

    static void Normal(Tensor parameter, double std, Generator generator)
    {
        using var draw = torch.randn(parameter.shape, generator: generator);
        parameter.copy_(draw.mul_(std));
    }

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

    /// <summary>Tokens [B, L] (int64, from <see cref="CaptionTokenizer"/>) to unit features [B, EmbedDim], read at the end-of-text token.</summary>
    public Tensor EncodeText(Tensor tokens)
    {
        using var scope = torch.NewDisposeScope();
        long batch = tokens.shape[0], length = tokens.shape[1];
        var x = token_embedding.call(tokens) + positional_embedding[..(int)length]; // [B, L, W]
        foreach (var block in transformer) x = block.call(x);                       // [B, L, W]
        x = ln_final.call(x);
        var eot = tokens.eq(CaptionTokenizer.EotId).to(ScalarType.Float32).argmax(1); // [B] first eot position
        var index = eot.view(batch, 1, 1).expand(batch, 1, x.shape[2]);
        var pooled = x.gather(1, index).squeeze(1);                                  // [B, W]
        var features = pooled.matmul(text_projection);                               // [B, EmbedDim]
        return functional.normalize(features, dim: -1).MoveToOuterDisposeScope();
    }

    public override (Tensor ImageFeatures, Tensor TextFeatures) forward(Tensor images, Tensor tokens) =>
        (EncodeImage(images), EncodeText(tokens));

    /// <summary>Unit image features of every image, in order, computed in inference mode.</summary>
    public float[][] EncodeImages(ImageSet images, int batchSize = 256)
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
