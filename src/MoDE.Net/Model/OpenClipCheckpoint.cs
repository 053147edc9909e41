using System.Runtime.InteropServices;
using MoDE.Storage;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Model;

/// <summary>
/// A <see cref="Clip"/>'s weights as open_clip's <c>open_clip_model.safetensors</c>: every tensor of
/// <see cref="OpenClipNames"/>, float32, under open_clip's name. <see cref="Load"/> reads every tensor and checks it
/// (name, shape, float dtype, finite values) before it changes the model, so a file that is wrong in any way leaves
/// the model as it was, and the one-line error lists every missing, unexpected or wrongly shaped tensor.
/// </summary>
public static class OpenClipCheckpoint
{
    /// <summary>The file name open_clip's Hugging Face checkpoints use.</summary>
    public const string FileName = "open_clip_model.safetensors";

    /// <summary>The metadata the safetensors library's PyTorch writer adds.</summary>
    static readonly Dictionary<string, string> Metadata = new() { ["format"] = "pt" };

    /// <summary>Writes the model's weights to <paramref name="path"/> as float32 (atomically). <paramref name="written"/>,
    /// when given, is told the tensor bytes written so far after each tensor (progress of a large model's write).</summary>
    public static void Save(Clip model, string path, Action<long>? written = null)
    {
        var parameters = OpenClipNames.Map(model).ToDictionary(p => p.Name, p => p.Parameter);
        var entries = OpenClipNames.Of(model.Config).Select(t => new SafetensorsFile.Entry(t.Name, "F32", t.Shape)).ToList();
        long bytes = 0;
        SafetensorsFile.Write(path, entries, entry =>
        {
            using var scope = torch.NewDisposeScope();
            var values = parameters[entry.Name].detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
            written?.Invoke(bytes += entry.ExpectedBytes);
            return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        }, Metadata);
    }

    /// <summary>Replaces every weight of <paramref name="model"/> with the tensor of that open_clip name in
    /// <paramref name="path"/> (float32, float16, bfloat16 or float64, converted to the parameter's type). Throws
    /// <see cref="InvalidDataException"/> naming the file when it is not a safetensors file of exactly this architecture
    /// or holds a non-finite value; the model is then unchanged.</summary>
    public static void Load(Clip model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var targets = OpenClipNames.Map(model);
        using var file = SafetensorsFile.Open(path);
        var entries = file.Entries.ToDictionary(e => e.Name);
        var problems = new List<string>();
        var missing = targets.Where(t => !entries.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        var expected = targets.Select(t => t.Name).ToHashSet();
        var unexpected = file.Entries.Where(e => !expected.Contains(e.Name)).Select(e => e.Name).ToList();
        if (missing.Count > 0) problems.Add($"missing {missing.Count}: {string.Join(", ", missing)}");
        if (unexpected.Count > 0) problems.Add($"unexpected {unexpected.Count}: {string.Join(", ", unexpected)}");
        foreach (var (name, parameter) in targets)
        {
            if (!entries.TryGetValue(name, out var entry)) continue;
            if (!entry.Shape.SequenceEqual(parameter.shape))
                problems.Add($"'{name}' has shape [{string.Join(", ", entry.Shape)}], the model's is [{string.Join(", ", parameter.shape)}]");
            else if (FloatType(entry.Dtype) is null)
                problems.Add($"'{name}' is {entry.Dtype}, not a float type");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{path}: not a checkpoint of this model ({model.Config.Vision.Kind} image tower, {targets.Count} tensors): {string.Join("; ", problems)}");

        using var scope = torch.NewDisposeScope();
        var loaded = new List<(Tensor Target, Tensor Value)>(targets.Count);
        foreach (var (name, parameter) in targets)
        {
            var entry = entries[name];
            var value = torch.empty(entry.Shape, FloatType(entry.Dtype)!.Value);
            value.bytes = file.Read(entry);
            value = value.to(parameter.dtype);
            if (!torch.isfinite(value).all().item<bool>()) throw new InvalidDataException($"{path}: tensor '{name}' holds NaN or infinite values");
            loaded.Add((parameter, value));
        }
        using var noGrad = torch.no_grad();
        foreach (var (target, value) in loaded) target.copy_(value);
    }

    static ScalarType? FloatType(string dtype) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F64" => ScalarType.Float64,
        _ => null,
    };
}
