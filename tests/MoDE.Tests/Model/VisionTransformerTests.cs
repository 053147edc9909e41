using MoDE.Model;
using MoDE.Tests.Train;
using MoDE.Tokenizer;
using MoDE.Train;
using TorchSharp;
using Xunit;

using static TorchSharp.torch;

namespace MoDE.Tests.Model;

public class VisionTransformerTests
{
    static ClipConfig SmallVit() => ClipConfig.TinyVit(vocabSize: 600) with
    {
        EmbedDim = 32,
        Vision = new ClipVisionConfig(ImageSize: 16, Kind: ClipVisionConfig.Vit, Width: 32, Layers: 2, PatchSize: 4, HeadWidth: 16),
        Text = new ClipTextConfig(ContextLength: 16, VocabSize: 600, Width: 32, Layers: 1, Heads: 2),
    };

    [Fact]
    public void ParameterNamesAreOpenClips()
    {
        using var model = new Clip(SmallVit(), device: torch.META);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        foreach (var name in new[]
        {
            "visual.conv1.weight", "visual.class_embedding", "visual.positional_embedding", "visual.ln_pre.weight", "visual.ln_pre.bias",
            "visual.transformer.resblocks.0.ln_1.weight", "visual.transformer.resblocks.0.attn.in_proj_weight",
            "visual.transformer.resblocks.0.attn.in_proj_bias", "visual.transformer.resblocks.0.attn.out_proj.weight",
            "visual.transformer.resblocks.0.attn.out_proj.bias", "visual.transformer.resblocks.1.mlp.c_fc.weight",
            "visual.transformer.resblocks.1.mlp.c_proj.bias", "visual.transformer.resblocks.1.ln_2.weight", "visual.ln_post.weight", "visual.proj",
            "token_embedding.weight", "positional_embedding", "transformer.resblocks.0.attn.in_proj_weight", "ln_final.weight",
            "text_projection", "logit_scale",
        })
            Assert.Contains(name, names);
        Assert.DoesNotContain("visual.conv1.bias", names);
        Assert.Equal(8 + 2 * 12, names.Count(n => n.StartsWith("visual.", StringComparison.Ordinal))); // 8 of its own, 12 per block
    }

    [Fact]
    public void ImageFeaturesAreUnitVectorsOfTheEmbeddingWidth()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new Clip(SmallVit(), seed: 3);
        torch.manual_seed(1);
        var images = torch.randn(5, 3, 16, 16);
        var features = model.EncodeImage(images);
        Assert.Equal([5L, 32L], features.shape);
        Assert.True(features.norm(1).allclose(torch.ones(5), rtol: 1e-4, atol: 1e-5));
        Assert.False(features[0].allclose(features[1]), "different images give different features");
    }

    [Fact]
    public void EveryImagePatchReachesTheClassToken()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new Clip(SmallVit(), seed: 3);
        torch.manual_seed(2);
        var images = torch.randn(1, 3, 16, 16);
        var changed = images.clone();
        changed[0, .., 12.., 12..] = torch.zeros(3, 4, 4); // only the last patch
        Assert.False(model.EncodeImage(images).allclose(model.EncodeImage(changed)), "attention is not causal in the image tower");
    }

    [Fact]
    public void AFewStepsOnColourCaptionsLowerTheLoss()
    {
        var (images, captions) = SyntheticPairs.Create(64, size: 16);
        var tokenizer = CaptionTokenizer.Build(captions, contextLength: 16, vocabSize: 600);
        var tokens = tokenizer.Encode(captions);
        using var model = new Clip(SmallVit(), seed: 5);
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: 2e-3, beta1: 0.9, beta2: 0.98, eps: 1e-6, weight_decay: 0);
        var losses = new List<float>();
        for (int step = 0; step < 30; step++)
        {
            using var scope = torch.NewDisposeScope();
            var rows = Enumerable.Range((step % 2) * 32, 32).ToArray();
            var (imageFeatures, textFeatures) = model.call(ClipImageTransform.ToTensor(images, rows), CaptionTokenizer.ToTensor(tokens, rows));
            var loss = ClipLoss.Compute(imageFeatures, textFeatures, model.LogitScale);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        Assert.True(losses.TakeLast(5).Average() < losses.Take(5).Average() - 0.3, string.Join(", ", losses.Select(l => l.ToString("F2"))));
    }

    [Fact]
    public void InitialisationIsAFunctionOfTheSeedAlone()
    {
        using var a = new Clip(SmallVit(), seed: 5);
        torch.manual_seed(999); // the global generator plays no part
        using var b = new Clip(SmallVit(), seed: 5);
        using var c = new Clip(SmallVit(), seed: 6);
        foreach (var ((name, pa), (_, pb), (_, pc)) in a.named_parameters().Zip(b.named_parameters(), c.named_parameters()))
        {
            Assert.True(pa.isfinite().all().item<bool>(), name);
            Assert.True(pa.eq(pb).all().item<bool>(), name);
            if (pa.dim() >= 2) Assert.False(pa.eq(pc).all().item<bool>(), name);
        }
    }

    [Fact]
    public void InitialisationFollowsOpenClip()
    {
        using var model = new Clip(ClipConfig.TinyVit(vocabSize: 600), seed: 4);
        var p = model.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Assert.Equal(1.0, p["visual.ln_pre.weight"].mean().item<float>(), 6);
        Assert.Equal(0.0, p["visual.transformer.resblocks.0.attn.in_proj_bias"].abs().max().item<float>(), 6);
        Assert.Equal(0.0, p["visual.transformer.resblocks.0.attn.out_proj.bias"].abs().max().item<float>(), 6);
        Assert.Equal(Math.Pow(128, -0.5), p["visual.positional_embedding"].std().item<float>(), 2);
        Assert.Equal(Math.Pow(128, -0.5), p["visual.proj"].std().item<float>(), 2);
        Assert.Equal(0.02, p["token_embedding.weight"].std().item<float>(), 3);
        Assert.Equal(Math.Pow(256, -0.5), p["transformer.resblocks.0.mlp.c_fc.weight"].std().item<float>(), 2);
    }
}
