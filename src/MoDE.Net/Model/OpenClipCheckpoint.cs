using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;
using MoDE.Storage;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Model;

/// <summary>
/// A <see cref="Clip"/>'s weights as open_clip's <c>open_clip_model.safetensors</c>: every tensor of
/// <see cref="OpenClipNames"/>, float32, under open_clip's name. <see cref="Load"/> reads every tensor and checks it
/// (name, shape, float dtype, finite values) before it changes the model, so a file that is wrong in any way leaves
/// the model as it was, and the one-line error lists every missing, unexpected or wrongly shaped tensor. It reads the
/// same tensors from a PyTorch state dict saved by torch.save (<see cref="TorchStateDict"/>).
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
    /// <paramref name="path"/>: a safetensors file, or a state dict saved by <c>torch.save</c> (<c>.pt</c>, <c>.bin</c>,
    /// <c>.pth</c>; see <see cref="TorchStateDict"/>), float32, float16, bfloat16 or float64, converted to the
    /// parameter's type. Throws <see cref="InvalidDataException"/> naming the file when it is not a checkpoint of
    /// exactly this architecture or holds a non-finite value; the model is then unchanged.</summary>
    public static void Load(Clip model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = torch.NewDisposeScope();
        bool torchSave = IsTorchSave(path);
        using var file = torchSave ? null : SafetensorsFile.Open(path);
        var entries = file is null ? FromTorchSave(TorchStateDict.Read(path)) : file.Entries.ToDictionary(e => e.Name, e => new Stored(e.Shape, FloatType(e.Dtype), e.Dtype, () =>
        {
            var value = torch.empty(e.Shape, FloatType(e.Dtype)!.Value);
            value.bytes = file.Read(e);
            return value;
        }));
        Copy(model, path, entries);
    }

    /// <summary><see cref="Load(Clip, string)"/> from the state dict of a torch.save archive at <paramref name="path"/>
    /// that the caller has read already (<see cref="TorchStateDict.StateDict"/>), in the caller's dispose scope.</summary>
    public static void Load(Clip model, string path, IReadOnlyDictionary<string, object?> stateDict)
    {
        ArgumentNullException.ThrowIfNull(model);
        Copy(model, path, FromTorchSave(stateDict));
    }

    /// <summary>Checks every entry against the model's tensors, then copies them all, or none.</summary>
    static void Copy(Clip model, string path, Dictionary<string, Stored> entries)
    {
        var targets = OpenClipNames.Map(model);
        var problems = new List<string>();
        var missing = targets.Where(t => !entries.ContainsKey(t.Name)).Select(t => t.Name).ToList();
        var expected = targets.Select(t => t.Name).ToHashSet();
        var unexpected = entries.Keys.Where(name => !expected.Contains(name)).ToList();
        if (missing.Count > 0) problems.Add($"missing {missing.Count}: {string.Join(", ", missing)}");
        if (unexpected.Count > 0) problems.Add($"unexpected {unexpected.Count}: {string.Join(", ", unexpected)}");
        foreach (var (name, parameter) in targets)
        {
            if (!entries.TryGetValue(name, out var entry)) continue;
            if (entry.Float is null)
                problems.Add($"'{name}' is {entry.Dtype}, not a float type");
            else if (!entry.Shape.SequenceEqual(parameter.shape) && !(name == "logit_scale" && entry.Shape.SequenceEqual([1L])))
                problems.Add($"'{name}' has shape [{string.Join(", ", entry.Shape)}], the model's is [{string.Join(", ", parameter.shape)}]");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{path}: not a checkpoint of this model ({model.Config.Vision.Kind} image tower, {targets.Count} tensors): {string.Join("; ", problems)}");

        var loaded = new List<(Tensor Target, Tensor Value)>(targets.Count);
        foreach (var (name, parameter) in targets)
        {
            // open_clip's load_checkpoint reshapes a logit_scale of shape [1] to the model's 0-d one in the same way.
            var value = entries[name].Read().to(parameter.dtype).reshape(parameter.shape);
            if (!torch.isfinite(value).all().item<bool>()) throw new InvalidDataException($"{path}: tensor '{name}' holds NaN or infinite values");
            loaded.Add((parameter, value));
        }
        using var noGrad = torch.no_grad();
        foreach (var (target, value) in loaded) target.copy_(value);
    }

    /// <summary>One tensor of a checkpoint: its shape, its element type when a float type, and how to read it.</summary>
    sealed record Stored(long[] Shape, ScalarType? Float, string Dtype, Func<Tensor> Read);

    /// <summary>Whether <paramref name="path"/> is a torch.save archive (a zip) rather than a safetensors file (an
    /// 8-byte header length, then the JSON header); a pickle that is not in a zip (torch.save's format before PyTorch
    /// 1.6) and a file that is neither (no JSON object where a header that fits in the file would start) are refused here.</summary>
    static bool IsTorchSave(string path)
    {
        Span<byte> head = stackalloc byte[9];
        long length;
        using (var stream = File.OpenRead(path))
        {
            length = stream.Length;
            head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }
        if (TorchStateDict.IsZip(head)) return true;
        if (head.Length >= 2 && head[0] == 0x80 && head[1] <= 5) // a pickle's PROTO opcode
            throw new InvalidDataException($"{path}: a pickle outside a zip archive (torch.save's format before PyTorch 1.6), which is not read; re-save it with torch.save(torch.load(IN, weights_only=True), OUT) from PyTorch 1.6 or later");
        if (head.Length == 9 && head[8] != (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) > (ulong)(length - 8))
            throw new InvalidDataException($"{path}: neither a torch.save zip archive nor a safetensors file (it starts with bytes {Convert.ToHexString(head)})");
        return false;
    }

    static Dictionary<string, Stored> FromTorchSave(IReadOnlyDictionary<string, object?> stateDict) => stateDict.ToDictionary(e => e.Key, e => e.Value is Tensor t
        ? new Stored(t.shape, t.dtype is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64 ? t.dtype : null, t.dtype.ToString(), () => t)
        : new Stored([], null, $"a {e.Value?.GetType().Name ?? "None"} value", () => throw new UnreachableException()));

    static ScalarType? FloatType(string dtype) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "F64" => ScalarType.Float64,
        _ => null,
    };
}
