using MoDE.Model;
using TorchSharp;
using Xunit;

namespace MoDE.Tests.Model;

public class OpenClipNamesTests
{
    public static TheoryData<string> Presets() => new(ClipConfig.PresetNames);

    [Theory]
    [MemberData(nameof(Presets))]
    public void EveryParameterOfEveryPresetHasExactlyOneOpenClipNameOfItsShape(string preset)
    {
        var config = ClipConfig.Preset(preset, vocabSize: 600, imageSize: 32)!;
        using var model = new Clip(config, device: torch.META);
        var table = OpenClipNames.Of(config);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(table.Count, table.Select(t => t.Name).Distinct().Count());
        Assert.Equal(parameters.Keys.Order(), table.Select(t => t.Name).Order());
        foreach (var (name, shape) in table) Assert.Equal(shape, parameters[name].shape);

        var map = OpenClipNames.Map(model); // the round trip: open_clip name -> the model's parameter of that name
        Assert.Equal(table.Select(t => t.Name), map.Select(m => m.Name));
        foreach (var (name, parameter) in map) Assert.Same(parameters[name], parameter);
    }

    [Theory]
    [InlineData("ViT-B-32", 151_277_313L)]
    [InlineData("ViT-B-16", 149_620_737L)]
    [InlineData("ViT-L-14", 427_616_513L)]
    public void TableSizesAddUpToOpenClipsParameterCounts(string preset, long count) =>
        Assert.Equal(count, OpenClipNames.Of(ClipConfig.Preset(preset, 49408, 224)!).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b)));

    [Fact]
    public void VitB32ShapesAreOpenClips()
    {
        var table = OpenClipNames.Of(ClipConfig.VitB32()).ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal([768L, 3, 32, 32], table["visual.conv1.weight"]);
        Assert.Equal([768L], table["visual.class_embedding"]);
        Assert.Equal([50L, 768], table["visual.positional_embedding"]);
        Assert.Equal([768L, 512], table["visual.proj"]);
        Assert.Equal([2304L, 768], table["visual.transformer.resblocks.11.attn.in_proj_weight"]);
        Assert.Equal([3072L, 768], table["visual.transformer.resblocks.0.mlp.c_fc.weight"]);
        Assert.Equal([768L, 3072], table["visual.transformer.resblocks.0.mlp.c_proj.weight"]);
        Assert.Equal([49408L, 512], table["token_embedding.weight"]);
        Assert.Equal([77L, 512], table["positional_embedding"]);
        Assert.Equal([1536L], table["transformer.resblocks.11.attn.in_proj_bias"]);
        Assert.Equal([512L, 512], table["text_projection"]);
        Assert.Empty(table["logit_scale"]);
        Assert.False(table.ContainsKey("transformer.resblocks.12.ln_1.weight"));
        Assert.DoesNotContain(table.Keys, n => n.Contains("attn_mask", StringComparison.Ordinal));
    }

    [Fact]
    public void TinyCnnTowerNamesAreDocumented()
    {
        var table = OpenClipNames.Of(ClipConfig.Tiny(vocabSize: 600)).Where(t => t.Name.StartsWith("visual.", StringComparison.Ordinal))
            .ToDictionary(t => t.Name, t => t.Shape);
        Assert.Equal(
            new Dictionary<string, long[]>
            {
                ["visual.blocks.0.conv.weight"] = [32, 3, 3, 3], ["visual.blocks.0.norm.weight"] = [32], ["visual.blocks.0.norm.bias"] = [32],
                ["visual.blocks.1.conv.weight"] = [64, 32, 3, 3], ["visual.blocks.1.norm.weight"] = [64], ["visual.blocks.1.norm.bias"] = [64],
                ["visual.blocks.2.conv.weight"] = [128, 64, 3, 3], ["visual.blocks.2.norm.weight"] = [128], ["visual.blocks.2.norm.bias"] = [128],
                ["visual.proj.weight"] = [128, 128], ["visual.proj.bias"] = [128],
            },
            table);
    }
}
