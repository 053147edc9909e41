using MoDE.Model;
using MoDE.Storage;
using TorchSharp;
using Xunit;

using static TorchSharp.torch;

namespace MoDE.Tests.Model;

public class OpenClipCheckpointTests
{
    static readonly string Folder = Directory.CreateTempSubdirectory("mode-openclip").FullName;

    static ClipConfig Config(string kind) => kind == "tiny"
        ? ClipConfig.Tiny(vocabSize: 600, imageSize: 16)
        : ClipConfig.TinyVit(vocabSize: 600) with
        {
            EmbedDim = 32,
            Vision = new ClipVisionConfig(ImageSize: 16, Kind: ClipVisionConfig.Vit, Width: 32, Layers: 2, PatchSize: 4, HeadWidth: 16),
            Text = new ClipTextConfig(ContextLength: 16, VocabSize: 600, Width: 32, Layers: 2, Heads: 2),
        };

    /// <summary>Equal shapes and bit-for-bit equal values.</summary>
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static Dictionary<string, Tensor> Weights(Clip model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    static (Tensor Images, Tensor Tokens) Inputs(ClipConfig config)
    {
        var generator = new Generator(5);
        return (torch.randn(4, 3, config.Vision.ImageSize, config.Vision.ImageSize, generator: generator),
                torch.randint(1, config.Text.VocabSize, [4, config.Text.ContextLength], generator: generator));
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("vit")]
    public void ExportThenImportGivesIdenticalWeightsAndFeatures(string kind)
    {
        using var scope = torch.NewDisposeScope();
        var config = Config(kind);
        string path = Path.Combine(Folder, kind + "-" + OpenClipCheckpoint.FileName);
        using var source = new Clip(config, seed: 1);
        using var target = new Clip(config, seed: 2);
        OpenClipCheckpoint.Save(source, path);

        var (images, tokens) = Inputs(config);
        var (sourceImage, sourceText) = source.call(images, tokens);
        Assert.False(Same(sourceImage, target.EncodeImage(images)), "differently seeded models differ before the import");
        OpenClipCheckpoint.Load(target, path);

        var expected = Weights(source);
        foreach (var (name, weight) in Weights(target)) Assert.True(Same(weight, expected[name]), name);
        var (targetImage, targetText) = target.call(images, tokens);
        Assert.True(Same(targetImage, sourceImage));
        Assert.True(Same(targetText, sourceText));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(OpenClipNames.Of(config).Select(t => t.Name).Order(), file.Entries.Select(e => e.Name).Order());
        Assert.All(file.Entries, e => Assert.Equal("F32", e.Dtype));
    }

    [Fact]
    public void HalfPrecisionFileInAnotherTensorOrderLoadsConverted()
    {
        using var scope = torch.NewDisposeScope();
        var config = Config("vit");
        using var source = new Clip(config, seed: 1);
        string path = Path.Combine(Folder, "half.safetensors");
        var parameters = OpenClipNames.Map(source).ToDictionary(p => p.Name, p => p.Parameter);
        SafetensorsFile.Write(path, OpenClipNames.Of(config).OrderBy(t => t.Name, StringComparer.Ordinal) // the safetensors library's order
                .Select(t => new SafetensorsFile.Entry(t.Name, "F16", t.Shape)).ToList(),
            e => parameters[e.Name].detach().to(ScalarType.Float16).bytes.ToArray());
        using var target = new Clip(config, seed: 2);
        OpenClipCheckpoint.Load(target, path);
        var expected = Weights(source);
        foreach (var (name, weight) in Weights(target))
            Assert.True(Same(weight, expected[name].to(ScalarType.Float16).to(ScalarType.Float32)), name);
    }

    /// <summary>The tiny model's export, altered: tensors dropped, added, reshaped, retyped or set to NaN.</summary>
    static string Altered(string name, Func<List<SafetensorsFile.Entry>, List<SafetensorsFile.Entry>> alter, string? nanTensor = null)
    {
        var config = Config("tiny");
        using var source = new Clip(config, seed: 1);
        string good = Path.Combine(Folder, name + ".good.safetensors"), path = Path.Combine(Folder, name + ".safetensors");
        OpenClipCheckpoint.Save(source, good);
        using var file = SafetensorsFile.Open(good);
        var byName = file.Entries.ToDictionary(e => e.Name);
        SafetensorsFile.Write(path, alter(file.Entries.ToList()), e =>
        {
            if (e.Name == nanTensor) return Enumerable.Repeat(BitConverter.GetBytes(float.NaN), (int)(e.ExpectedBytes / 4)).SelectMany(b => b).ToArray();
            return byName.TryGetValue(e.Name, out var original) && original.ExpectedBytes == e.ExpectedBytes ? file.Read(original) : new byte[e.ExpectedBytes];
        });
        return path;
    }

    public static TheoryData<string, string[]> BadCheckpoints() => new()
    {
        { "missing", ["missing 2: visual.proj.bias, logit_scale"] },
        { "extra", ["unexpected 1: visual.extra"] },
        { "shape", ["'text_projection' has shape [128, 64], the model's is [128, 128]", "'visual.proj.bias' has shape [3]"] },
        { "dtype", ["'ln_final.bias' is I32, not a float type"] },
        { "nan", ["tensor 'logit_scale' holds NaN"] },
        { "truncated", ["truncated safetensors file"] },
        { "header", ["unreadable safetensors header"] },
        { "several", ["missing 1: ln_final.weight", "unexpected 1: visual.extra", "'text_projection' has shape [128, 64]"] },
    };

    [Theory]
    [Trait("Hostile", "class1")]
    [MemberData(nameof(BadCheckpoints))]
    public void WrongCheckpointIsOneErrorListingEveryProblemAndLoadsNothing(string kind, string[] reasons)
    {
        using var scope = torch.NewDisposeScope();
        static SafetensorsFile.Entry Reshape(SafetensorsFile.Entry e) => e.Name switch
        {
            "text_projection" => e with { Shape = [128, 64] },
            "visual.proj.bias" when e.Shape.Length == 1 => e with { Shape = [3] },
            _ => e,
        };
        SafetensorsFile.Entry Extra() => new("visual.extra", "F32", [2]);
        string path = kind switch
        {
            "missing" => Altered(kind, l => l.Where(e => e.Name is not ("visual.proj.bias" or "logit_scale")).ToList()),
            "extra" => Altered(kind, l => [.. l, Extra()]),
            "shape" => Altered(kind, l => l.Select(Reshape).ToList()),
            "dtype" => Altered(kind, l => l.Select(e => e.Name == "ln_final.bias" ? e with { Dtype = "I32" } : e).ToList()),
            "nan" => Altered(kind, l => l, nanTensor: "logit_scale"),
            "several" => Altered(kind, l => [.. l.Where(e => e.Name != "ln_final.weight").Select(e => e.Name == "text_projection" ? Reshape(e) : e), Extra()]),
            _ => Altered(kind, l => l),
        };
        if (kind == "truncated") File.WriteAllBytes(path, File.ReadAllBytes(path)[..^100]);
        if (kind == "header") { var bytes = File.ReadAllBytes(path); bytes[8] = (byte)'x'; File.WriteAllBytes(path, bytes); }

        using var model = new Clip(Config("tiny"), seed: 2);
        var before = Weights(model);
        var error = Assert.Throws<InvalidDataException>(() => OpenClipCheckpoint.Load(model, path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        foreach (var reason in reasons) Assert.Contains(reason, error.Message);
        foreach (var (name, weight) in Weights(model)) Assert.True(Same(weight, before[name]), $"{name} changed by a refused load");
    }
}
