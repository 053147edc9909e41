using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MoDE.Data;
using MoDE.Model;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Tests.Model;

/// <summary>
/// MoDE's <see cref="Clip"/> and the PyTorch reference (tests/python/clip_reference.py) compute the same features from
/// the same weights: the model's parameters, under their own names, and fixed 8-bit pixels and token rows go to
/// <c>clip_reference.py encode</c> as .safetensors files; its unit features and logits must equal MoDE's within
/// float32 rounding. One config per tower: the tiny CNN (13-pixel images: ceil-mode pooling), the tiny ViT (both QuickGELU) and a ViT with exact GELU.
/// </summary>
public class ClipParityTests
{
    [FactWithPyTorch]
    public void ReferenceComputesMoDEsFeatures()
    {
        var gelu = new ClipConfig(48, new ClipVisionConfig(ImageSize: 16, Width: 64, Layers: 2, PatchSize: 4, HeadWidth: 16),
            new ClipTextConfig(ContextLength: 12, VocabSize: 600, Width: 64, Layers: 2, Heads: 4), QuickGelu: false);
        foreach (var config in (ClipConfig[])[ClipConfig.Tiny(600, imageSize: 13), ClipConfig.TinyVit(600), gelu])
        {
            using var model = new Clip(config, seed: 3);
            using (torch.no_grad()) model.LogitScale.fill_(5.0); // above ln 100: the reference must clamp it too
            const int batch = 4;
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
                File.WriteAllText(In("config.json"), config.ToJson());
                Write(In("weights.safetensors"), model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)));
                using var pixelTensor = torch.tensor(pixels, [batch, size, size, ImageSet.Channels]);
                Write(In("inputs.safetensors"), [("pixels", pixelTensor), ("tokens", tokens)]);
                string script = Path.Combine(Repository.Root, "tests", "python", "clip_reference.py");
                var (code, output) = ChildProcess.Run(FactWithPyTorchAttribute.Python,
                    [script, "encode", In("config.json"), In("weights.safetensors"), In("inputs.safetensors"), In("out.safetensors")]);
                Assert.True(code == 0, $"{script} exited {code}: {output}");
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
                    Assert.True(diff < tolerance, $"{config.Vision.Kind} {name}: max |MoDE - reference| = {diff:E2}");
                }
            }
            finally { Directory.Delete(folder, recursive: true); }
        }
    }

    // A minimal safetensors writer and reader for this exchange (the huggingface/safetensors README's "Format": 8-byte
    // little-endian header length, JSON header of dtype, shape and data_offsets, raw little-endian data).
    static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        var header = new Dictionary<string, object>();
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            var (dtype, bytes) = tensor.dtype switch
            {
                ScalarType.Float32 => ("F32", Bytes(tensor.contiguous().data<float>().ToArray(), 4)),
                ScalarType.Int64 => ("I64", Bytes(tensor.contiguous().data<long>().ToArray(), 8)),
                ScalarType.Byte => ("U8", tensor.contiguous().data<byte>().ToArray()),
                var other => throw new ArgumentException($"tensor '{name}': no writer for {other}"),
            };
            header[name] = new { dtype, shape = tensor.shape, data_offsets = new[] { offset, offset + bytes.Length } };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        file.Write(length);
        file.Write(json);
        foreach (var blob in blobs) file.Write(blob);
    }

    static byte[] Bytes(Array values, int size)
    {
        var bytes = new byte[values.Length * size];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    static Dictionary<string, float[]> ReadF32(string path)
    {
        var raw = File.ReadAllBytes(path);
        int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(raw));
        using var header = JsonDocument.Parse(raw.AsMemory(8, length));
        var result = new Dictionary<string, float[]>();
        foreach (var entry in header.RootElement.EnumerateObject().Where(e => e.Name != "__metadata__"))
        {
            Assert.Equal("F32", entry.Value.GetProperty("dtype").GetString());
            var offsets = entry.Value.GetProperty("data_offsets");
            int begin = 8 + length + offsets[0].GetInt32(), end = 8 + length + offsets[1].GetInt32();
            var values = new float[(end - begin) / 4];
            Buffer.BlockCopy(raw, begin, values, 0, end - begin);
            result[entry.Name] = values;
        }
        return result;
    }
}
