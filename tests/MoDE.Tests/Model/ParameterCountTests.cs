using MoDE.Model;
using TorchSharp;
using Xunit;

namespace MoDE.Tests.Model;

/// <summary>The open_clip presets have open_clip's exact parameter counts (its docs/model_profile.csv; OpenAI CLIP's
/// ViT-B/32 and ViT-L/14 give the same totals). The big models are built on the meta device: shapes, no storage.</summary>
public class ParameterCountTests
{
    [Theory]
    [InlineData("ViT-B-32", 151_277_313L)]
    [InlineData("ViT-B-16", 149_620_737L)]
    [InlineData("ViT-L-14", 427_616_513L)]
    public void OpenClipPresetsMatchOpenClipsCounts(string preset, long expected)
    {
        using var model = new Clip(ClipConfig.Resolve(preset, vocabSize: 49408, imageSize: 224), device: torch.META);
        Assert.Equal(expected, model.ParameterCount);
    }

    [Fact]
    public void MetaAndRealModelsHaveTheSameParameters()
    {
        var config = ClipConfig.TinyVit(vocabSize: 600);
        using var real = new Clip(config);
        using var meta = new Clip(config, device: torch.META);
        Assert.Equal(real.named_parameters().Select(p => (p.name, string.Join("x", p.parameter.shape))),
                     meta.named_parameters().Select(p => (p.name, string.Join("x", p.parameter.shape))));
        // vision 4 x 12W²+13W blocks + patch conv, class token, 65 positions, 2 norms, projection; text as the tiny CNN's
        const long w = 128;
        long vision = 3 * 4 * 4 * w + w + 65 * w + 2 * w + 4 * (12 * w * w + 13 * w) + 2 * w + w * 128;
        long text = 600 * w + 32 * w + 2 * (12 * w * w + 13 * w) + 2 * w + w * 128;
        Assert.Equal(vision + text + 1, real.ParameterCount);
    }
}
