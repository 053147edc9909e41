using System.Runtime.InteropServices;
using MoDE.Data;
using MoDE.Export;
using MoDE.Model;
using MoDE.Storage;
using TorchSharp;
using Xunit.Abstractions;

using static TorchSharp.torch;

namespace MoDE.Tests.Model;

/// <summary>
/// MoDE's <see cref="Clip"/> and the PyTorch reference (src/MoDE.Net/Export/mode_clip.py) compute the same features from
/// the same weights: the model exported by <see cref="OpenClipCheckpoint.Save"/>, and fixed 8-bit pixels and token rows, go to
/// <c>mode_clip.py encode</c> as .safetensors files; its unit features and logits must equal MoDE's within
/// float32 rounding. One config per tower: the tiny CNN (13-pixel images: ceil-mode pooling), the tiny ViT (both QuickGELU) and a ViT with exact GELU.
/// </summary>
public class ClipParityTests(ITestOutputHelper output)
{
    [FactWithPyTorch]
    public void ReferenceComputesMoDEsFeatures()
    {
        var gelu = new ClipConfig(48, new ClipVisionConfig(ImageSize: 16, Width: 64, Layers: 2, PatchSize: 4, HeadWidth: 16),
            new ClipTextConfig(ContextLength: 12, VocabSize: 600, Width: 64, Layers: 2, Heads: 4), QuickGelu: false);
        foreach (var config in (ClipConfig[])[ClipConfig.Tiny(600, imageSize: 13), ClipConfig.TinyVit(600), gelu])
            Compare(config, batch: 4, File.WriteAllText);
    }

    /// <summary>ViT-B-32 at random init, in the export direction: the config as <c>mode export</c> writes it
    /// (<see cref="OpenClipConfig"/>'s model_cfg) and the weights as <see cref="OpenClipCheckpoint.Save"/> writes them; two images.</summary>
    [FactWithPyTorch]
    public void ReferenceComputesMoDEsFeaturesForViTB32()
    {
        var config = ClipConfig.Resolve("ViT-B-32", 49408, 224);
        Compare(config, batch: 2, (path, _) => File.WriteAllText(path, System.Text.Json.Nodes.JsonNode.Parse(OpenClipConfig.ToJson(config))!["model_cfg"]!.ToJsonString()));
    }

    /// <summary>MoDE's and the reference's features and logits of <paramref name="batch"/> random images and token rows
    /// under one random model; <paramref name="writeConfig"/> writes the config file the reference reads.</summary>
    void Compare(ClipConfig config, int batch, Action<string, string> writeConfig)
    {
        using var model = new Clip(config, seed: 3);
        using (torch.no_grad()) model.LogitScale.fill_(5.0); // above ln 100: the reference must clamp it too
        int size = config.Vision.ImageSize, length = config.Text.ContextLength, vocab = config.Text.VocabSize;
        var pixels = new byte[batch * size * size * ImageSet.Channels];
        new Random(7).NextBytes(pixels);
        using var images = new ImageSet(batch, size, size, pixels);
        var tokens = torch.zeros(batch, length, ScalarType.Int64);
        for (int row = 0; row < batch; row++)
        {
            int words = 1 + 3 * row % (length - 2); // start, words, end (the row's largest id), padding
            tokens[row, 0] = vocab - 2;
            for (int i = 1; i <= words; i++) tokens[row, i] = (row * 37 + i * 11) % (vocab - 10) + 5;
            tokens[row, words + 1] = vocab - 1;
        }

        var folder = Directory.CreateTempSubdirectory("clip-parity-").FullName;
        try
        {
            string In(string name) => Path.Combine(folder, name);
            writeConfig(In("config.json"), config.ToJson());
            OpenClipCheckpoint.Save(model, In("weights.safetensors"));
            using var pixelTensor = torch.tensor(pixels, [batch, size, size, ImageSet.Channels]);
            Write(In("inputs.safetensors"), [("pixels", pixelTensor), ("tokens", tokens)]);
            string script = Path.Combine(Repository.Root, "src", "MoDE.Net", "Export", "mode_clip.py");
            var (code, text) = ChildProcess.Run(FactWithPyTorchAttribute.Python,
                [script, "encode", In("config.json"), In("weights.safetensors"), In("inputs.safetensors"), In("out.safetensors")]);
            Assert.True(code == 0, $"{script} exited {code}: {text}");
            var reference = ReadF32(In("out.safetensors"));

            using var noGrad = torch.no_grad();
            model.eval();
            var (imageFeatures, textFeatures) = model.call(ClipImageTransform.ToTensor(images, Enumerable.Range(0, batch).ToArray()), tokens);
            var logits = model.LogitScale.clamp(max: Clip.MaxLogitScale).exp() * imageFeatures.matmul(textFeatures.t());
            foreach (var (name, ours, tolerance) in (ReadOnlySpan<(string, Tensor, double)>)
                     [("image_features", imageFeatures, 1e-5), ("text_features", textFeatures, 1e-5), ("logits", logits, 1e-3)])
            {
                var values = ours.contiguous().data<float>().ToArray();
                Assert.Equal(values.Length, reference[name].Length);
                double diff = values.Zip(reference[name]).Max(pair => Math.Abs(pair.First - pair.Second));
                output.WriteLine($"{config.Vision.Kind} width {config.Vision.Width} x {config.Vision.Layers}, batch {batch}: {name} max |MoDE - reference| = {diff:E2}");
                Assert.True(diff < tolerance, $"{config.Vision.Kind} {name}: max |MoDE - reference| = {diff:E2}");
            }
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    /// <summary>Named float32, int64 or uint8 tensors as a .safetensors file (<see cref="SafetensorsFile.Write"/>).</summary>
    static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors)
    {
        var byName = tensors.ToDictionary(t => t.Name, t => t.Tensor.contiguous());
        var entries = tensors.Select(t => new SafetensorsFile.Entry(t.Name, t.Tensor.dtype switch
        {
            ScalarType.Float32 => "F32",
            ScalarType.Int64 => "I64",
            ScalarType.Byte => "U8",
            var other => throw new ArgumentException($"tensor '{t.Name}': no safetensors dtype for {other}"),
        }, t.Tensor.shape)).ToList();
        SafetensorsFile.Write(path, entries, entry => byName[entry.Name].bytes.ToArray());
    }

    /// <summary>The float32 tensors of a .safetensors file, flattened, by name.</summary>
    static Dictionary<string, float[]> ReadF32(string path)
    {
        using var file = SafetensorsFile.Open(path);
        var result = new Dictionary<string, float[]>();
        foreach (var entry in file.Entries)
        {
            Assert.Equal("F32", entry.Dtype);
            result[entry.Name] = MemoryMarshal.Cast<byte, float>(file.Read(entry)).ToArray();
        }
        return result;
    }
}
