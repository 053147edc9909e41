using System.Text.Json;
using MoDE.Model;
using Xunit;

namespace MoDE.Tests.Model;

public class ClipConfigTests
{
    // open_clip's src/open_clip/model_configs/ViT-B-32.json, key for key (the quickgelu variant adds "quick_gelu": true).
    const string OpenClipVitB32 = """
        {
            "embed_dim": 512,
            "quick_gelu": true,
            "vision_cfg": {
                "image_size": 224,
                "layers": 12,
                "width": 768,
                "patch_size": 32
            },
            "text_cfg": {
                "context_length": 77,
                "vocab_size": 49408,
                "width": 512,
                "heads": 8,
                "layers": 12
            }
        }
        """;

    [Fact]
    public void AnOpenClipConfigPastesInUnchanged()
    {
        var config = ClipConfig.FromJson(OpenClipVitB32);
        Assert.Equal(ClipConfig.VitB32() with { QuickGelu = true }, config);
        Assert.Equal(ClipVisionConfig.Vit, config.Vision.Kind);
        Assert.Equal(12, config.Vision.Heads); // width 768 / open_clip's default head width 64
    }

    [Fact]
    public void JsonUsesOpenClipKeysAndRoundTrips()
    {
        foreach (var config in new[] { ClipConfig.Tiny(321), ClipConfig.TinyVit(321), ClipConfig.VitL14() })
        {
            var json = config.ToJson();
            foreach (var key in new[] { "\"embed_dim\"", "\"vision_cfg\"", "\"text_cfg\"", "\"quick_gelu\"", "\"image_size\"", "\"patch_size\"", "\"head_width\"", "\"context_length\"", "\"vocab_size\"" })
                Assert.Contains(key, json);
            Assert.Equal(config, ClipConfig.FromJson(json));
        }
        Assert.Contains("\"kind\": \"cnn\"", ClipConfig.Tiny(321).ToJson());
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void UnsupportedOpenClipOptionsAreRejectedNotIgnored()
    {
        string json = OpenClipVitB32.Replace("\"patch_size\": 32", "\"patch_size\": 32, \"ls_init_value\": 0.1");
        Assert.ThrowsAny<JsonException>(() => ClipConfig.FromJson(json));
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void ValidationNamesTheBadField()
    {
        var vit = ClipConfig.TinyVit(100);
        Assert.Equal("PatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => (vit with { Vision = vit.Vision with { PatchSize = 5 } }).Validate()).ParamName);
        Assert.Equal("HeadWidth", Assert.Throws<ArgumentOutOfRangeException>(() => (vit with { Vision = vit.Vision with { HeadWidth = 48 } }).Validate()).ParamName);
        Assert.Equal("Heads", Assert.Throws<ArgumentOutOfRangeException>(() => (vit with { Text = vit.Text with { Heads = 3 } }).Validate()).ParamName);
        Assert.Equal("Kind", Assert.Throws<ArgumentException>(() => (vit with { Vision = vit.Vision with { Kind = "resnet" } }).Validate()).ParamName);
    }

    /// <summary>Sizes are bounded above as well, so a config (or a checkpoint's header) cannot ask for a 1e9-wide tower,
    /// and no size overflows an int: the CNN's channels double each block, even past a shift's 64.</summary>
    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("vision width", "Width")]
    [InlineData("cnn layers", "Layers")]
    [InlineData("cnn 65 layers", "Layers")]
    [InlineData("vision layers", "Layers")]
    [InlineData("image size", "ImageSize")]
    [InlineData("embed dim", "EmbedDim")]
    [InlineData("text width", "Width")]
    [InlineData("text layers", "Layers")]
    [InlineData("context length", "ContextLength")]
    [InlineData("vocab size", "VocabSize")]
    [InlineData("mlp ratio", "MlpRatio")]
    public void AHugeSizeIsRejectedNamingTheField(string what, string field)
    {
        var vit = ClipConfig.TinyVit(100);
        var cnn = ClipConfig.Tiny(100);
        var config = what switch
        {
            "vision width" => vit with { Vision = vit.Vision with { Width = 1_000_000_000, HeadWidth = 1_000_000 } },
            "cnn layers" => cnn with { Vision = cnn.Vision with { Layers = 20 } },
            "cnn 65 layers" => cnn with { Vision = cnn.Vision with { Layers = 65 } },
            "vision layers" => vit with { Vision = vit.Vision with { Layers = 5000 } },
            "image size" => vit with { Vision = vit.Vision with { ImageSize = 1 << 20, PatchSize = 4 } },
            "embed dim" => vit with { EmbedDim = int.MaxValue },
            "text width" => vit with { Text = vit.Text with { Width = 1 << 20, Heads = 1 } },
            "text layers" => vit with { Text = vit.Text with { Layers = int.MaxValue } },
            "context length" => vit with { Text = vit.Text with { ContextLength = 1 << 20 } },
            "vocab size" => vit with { Text = vit.Text with { VocabSize = int.MaxValue } },
            "mlp ratio" => vit with { Text = vit.Text with { MlpRatio = 1e6 } },
            _ => throw new ArgumentException(what, nameof(what)),
        };
        Assert.Equal(field, Assert.Throws<ArgumentOutOfRangeException>(() => config.Validate()).ParamName);
    }

    [Fact]
    public void ResolveFindsPresetsAndFiles()
    {
        Assert.Equal(ClipConfig.Tiny(700, 48), ClipConfig.Resolve("tiny", 700, 48));
        Assert.Equal(ClipConfig.TinyVit(700, 32), ClipConfig.Resolve("Tiny-ViT", 700, 32));
        Assert.Equal(ClipConfig.VitB16(), ClipConfig.Resolve("vit-b-16", 2048, 32)); // keeps its own vocabulary and 224 pixels
        Assert.Throws<ArgumentException>(() => ClipConfig.Resolve("ViT-B-32", 50_000, 224)); // tokenizer larger than the table
        Assert.Throws<ArgumentException>(() => ClipConfig.Resolve("ViT-H-14", 700, 224));

        string path = Path.Combine(Path.GetTempPath(), $"mode-config-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, OpenClipVitB32);
            Assert.Equal(ClipConfig.VitB32() with { QuickGelu = true }, ClipConfig.Resolve(path, 700, 32));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
