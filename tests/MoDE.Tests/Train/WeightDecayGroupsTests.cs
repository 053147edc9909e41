using MoDE.Model;
using MoDE.Train;
using TorchSharp;
using Xunit;

namespace MoDE.Tests.Train;

public class WeightDecayGroupsTests
{
    [Fact]
    public void ViTWeightsDecayAndItsGainsBiasesAndEmbeddingsDoNot()
    {
        using var model = new Clip(ClipConfig.TinyVit(vocabSize: 600), device: torch.META);
        var (decayed, notDecayed) = WeightDecayGroups.Split(model);
        var decay = decayed.Select(p => p.Name).ToHashSet();
        var none = notDecayed.Select(p => p.Name).ToHashSet();
        Assert.Equal(model.named_parameters().Count(), decay.Count + none.Count);
        foreach (var name in new[] { "visual.conv1.weight", "visual.proj", "visual.transformer.resblocks.0.attn.in_proj_weight",
                                     "visual.transformer.resblocks.3.mlp.c_fc.weight", "transformer.resblocks.1.attn.out_proj.weight", "text_projection" })
            Assert.Contains(name, decay);
        foreach (var name in new[] { "visual.class_embedding", "visual.positional_embedding", "visual.ln_pre.weight", "visual.ln_post.bias",
                                     "visual.transformer.resblocks.0.attn.in_proj_bias", "visual.transformer.resblocks.0.ln_1.weight",
                                     "token_embedding.weight", "positional_embedding", "ln_final.weight", "logit_scale" })
            Assert.Contains(name, none);
        Assert.All(decayed, p => Assert.True(p.Parameter.dim() >= 2, p.Name));
    }
}
