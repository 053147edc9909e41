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

    /// <summary>The order open_clip v3.3.0's <c>CLIP(embed_dim=32, vision_cfg=dict(layers=1, width=64, head_width=32,
    /// patch_size=8, image_size=32), text_cfg=dict(context_length=16, vocab_size=100, width=32, heads=2, layers=1))
    /// .named_parameters()</c> printed.</summary>
    static readonly string[] OpenClipOrder =
    [
        "positional_embedding", "text_projection", "logit_scale",
        "visual.class_embedding", "visual.positional_embedding", "visual.proj", "visual.conv1.weight",
        "visual.ln_pre.weight", "visual.ln_pre.bias",
        .. Block("visual."),
        "visual.ln_post.weight", "visual.ln_post.bias",
        .. Block(""),
        "token_embedding.weight", "ln_final.weight", "ln_final.bias",
    ];

    static IEnumerable<string> Block(string tower) => new[]
    {
        "ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
        "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias",
    }.Select(n => $"{tower}transformer.resblocks.0.{n}");

    [Fact]
    public void InParameterOrderIsOpenClipsNamedParametersOrder()
    {
        var config = new ClipConfig(EmbedDim: 32,
            Vision: new ClipVisionConfig(ImageSize: 32, Kind: ClipVisionConfig.Vit, Width: 64, Layers: 1, PatchSize: 8, HeadWidth: 32),
            Text: new ClipTextConfig(ContextLength: 16, VocabSize: 100, Width: 32, Layers: 1, Heads: 2));
        var order = OpenClipNames.InParameterOrder(config);
        Assert.Equal(OpenClipOrder, order.Select(t => t.Name));
        var table = OpenClipNames.Of(config).ToDictionary(t => t.Name, t => t.Shape);
        Assert.All(order, t => Assert.Equal(table[t.Name], t.Shape));
    }
}
