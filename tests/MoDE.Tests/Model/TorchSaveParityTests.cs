using System.Runtime.InteropServices;
using MoDE.Data;
using MoDE.Model;
using MoDE.Storage;
using TorchSharp;
using Xunit.Abstractions;

using static TorchSharp.torch;

namespace MoDE.Tests.Model;

/// <summary>
/// The reverse of <see cref="ClipParityTests"/>: state dicts that PyTorch saved with torch.save from the reference
/// model (tests/python/torch_save_reference.py save), plain and as open_clip's DistributedDataParallel training
/// checkpoint, load into MoDE's <see cref="Clip"/> through <see cref="OpenClipCheckpoint.Load"/>: the first gives the
/// reference's image and text features for the same inputs, the second the same weights as the first. ViT-B-32 (random weights) goes as float16 with OpenAI's
/// extra entries, as OpenAI's state dicts are saved.
/// </summary>
public class TorchSaveParityTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    [FactWithPyTorch]
    public void StateDictSavedByPyTorchGivesTheReferencesFeatures()
    {
        foreach (var (name, config, half) in (ReadOnlySpan<(string, ClipConfig, bool)>)
                 [("tiny", ClipConfig.Tiny(600), false), ("tiny-vit", ClipConfig.TinyVit(600), false), ("ViT-B-32", ClipConfig.VitB32(), true)])
        {
            var folder = Directory.CreateTempSubdirectory("torch-save-parity-").FullName;
            try
            {
                string In(string file) => Path.Combine(folder, file);
                File.WriteAllText(In("config.json"), config.ToJson());
                string script = Path.Combine(Repository.Root, "tests", "python", "torch_save_reference.py");
                string[] arguments = [script, "save", In("config.json"), "11", folder, .. half ? ["--half"] : Array.Empty<string>()];
                var (code, log) = ChildProcess.Run(FactWithPyTorchAttribute.Python, arguments);
                Assert.True(code == 0, $"{script} exited {code}: {log}");

                using var scope = torch.NewDisposeScope();
                using var file = SafetensorsFile.Open(In("features.safetensors"));
                var stored = file.Entries.ToDictionary(e => e.Name, e => file.Read(e));
                var tokenShape = file.Entries.Single(e => e.Name == "tokens").Shape;
                int batch = (int)tokenShape[0], size = config.Vision.ImageSize;
                using var images = new ImageSet(batch, size, size, stored["pixels"]);
                var pixels = ClipImageTransform.ToTensor(images, Enumerable.Range(0, batch).ToArray());
                var tokens = torch.tensor(MemoryMarshal.Cast<byte, long>(stored["tokens"]).ToArray(), tokenShape);
                using var model = new Clip(config, seed: 5);
                OpenClipCheckpoint.Load(model, In("plain.pt"));
                model.eval();
                using (torch.no_grad())
                {
                    var (imageFeatures, textFeatures) = model.call(pixels, tokens);
                    foreach (var (feature, ours) in (ReadOnlySpan<(string, Tensor)>)[("image_features", imageFeatures), ("text_features", textFeatures)])
                    {
                        var reference = MemoryMarshal.Cast<byte, float>(stored[feature]).ToArray();
                        var values = ours.contiguous().data<float>().ToArray();
                        Assert.Equal(reference.Length, values.Length);
                        double diff = values.Zip(reference).Max(pair => Math.Abs(pair.First - pair.Second));
                        output.WriteLine($"{name} plain.pt{(half ? " (float16)" : "")} {feature}: max |MoDE - PyTorch| = {diff:E2}");
                        Assert.True(diff < Tolerance, $"{name} plain.pt {feature}: max |MoDE - PyTorch| = {diff:E2}");
                    }
                }

                // The training checkpoint holds the same tensors: loaded over zeroed weights, it must give them all back.
                var plain = model.parameters().Select(p => p.detach().clone()).ToList();
                using (torch.no_grad()) foreach (var parameter in model.parameters()) parameter.zero_();
                OpenClipCheckpoint.Load(model, In("wrapped.pt"));
                Assert.All(model.parameters().Zip(plain), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
                output.WriteLine($"{name} wrapped.pt: the same {plain.Count} tensors as plain.pt");
            }
            finally { Directory.Delete(folder, recursive: true); }
        }
    }
}
