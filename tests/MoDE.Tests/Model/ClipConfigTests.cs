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
    public void UnsupportedOpenClipOptionsAreRejectedNotIgnored()
    {
        string json = OpenClipVitB32.Replace("\"patch_size\": 32", "\"patch_size\": 32, \"ls_init_value\": 0.1");
        Assert.ThrowsAny<JsonException>(() => ClipConfig.FromJson(json));
    }

    [Fact]
    public void ValidationNamesTheBadField()
    {
        var vit = ClipConfig.TinyVit(100);
        Assert.Equal("PatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => (vit with { Vision = vit.Vision with { PatchSize = 5 } }).Validate()).ParamName);
        Assert.Equal("HeadWidth", Assert.Throws<ArgumentOutOfRangeException>(() => (vit with { Vision = vit.Vision with { HeadWidth = 48 } }).Validate()).ParamName);
        Assert.Equal("Heads", Assert.Throws<ArgumentOutOfRangeException>(() => (vit with { Text = vit.Text with { Heads = 3 } }).Validate()).ParamName);
        Assert.Equal("Kind", Assert.Throws<ArgumentException>(() => (vit with { Vision = vit.Vision with { Kind = "resnet" } }).Validate()).ParamName);
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
