using MoDE.Model;
using MoDE.Tests.Train;
using TorchSharp;
using Xunit;

using static TorchSharp.torch;

namespace MoDE.Tests.Model;

public class ClipTests
{
    static readonly ClipConfig Config = SyntheticPairs.Config(vocabSize: 20);

    [Fact]
    public void InitialisationIsAFunctionOfTheSeedAlone()
    {
        using var a = new Clip(Config, seed: 5);
        torch.manual_seed(999); // the global generator plays no part
        using var b = new Clip(Config, seed: 5);
        using var c = new Clip(Config, seed: 6);
        foreach (var ((name, pa), (_, pb), (_, pc)) in a.named_parameters().Zip(b.named_parameters(), c.named_parameters()))
        {
            Assert.True(pa.isfinite().all().item<bool>(), name);
            Assert.True(pa.eq(pb).all().item<bool>(), name);
            if (name.EndsWith("weight") && pa.dim() >= 2) Assert.False(pa.eq(pc).all().item<bool>(), name);
        }
        Assert.Equal(Clip.InitialLogitScale, a.LogitScale.item<float>(), 5);
    }

    [Fact]
    public void TextFeaturesIgnoreEverythingAfterEndOfText()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new Clip(Config, seed: 1);
        const long sot = 18, eot = 19; // CaptionTokenizer's layout: the two special tokens have the largest ids
        var tokens = torch.tensor(new long[] { sot, 5, 6, eot, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }).view(1, 16);
        var noisy = tokens.clone();
        noisy[0, 4] = torch.tensor(7L);
        noisy[0, 10] = torch.tensor(9L);
        var changed = tokens.clone();
        changed[0, 2] = torch.tensor(7L);
        var reference = model.EncodeText(tokens);
        Assert.True(reference.allclose(model.EncodeText(noisy)), "causal mask lets later tokens in");
        Assert.False(reference.allclose(model.EncodeText(changed)), "features ignore the caption");
        Assert.Equal([1L, 32L], reference.shape);
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        var config = ClipConfig.Tiny(vocabSize: 321);
        var json = config.ToJson();
        Assert.Contains("\"embed_dim\": 128", json);
        var back = ClipConfig.FromJson(json);
        Assert.Equal(config, back);
        Assert.Throws<ArgumentOutOfRangeException>(() => (config with { Text = config.Text with { Heads = 3 } }).Validate());
    }
}
