using System.Collections;
using System.IO.Compression;
using System.Text;
using MoDE.Model;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit.Abstractions;

using static TorchSharp.torch;

namespace MoDE.Tests.Model;

/// <summary>
/// <see cref="OpenClipCheckpoint.Load"/> on torch.save archives: written here with TorchSharp.PyBridge's pickler (the
/// zip layout and pickle torch.save produces) or by hand (hostile pickles), and by PyTorch itself
/// (tests/python/torch_save_reference.py hostile).
/// </summary>
public class TorchStateDictTests(ITestOutputHelper output)
{
    static readonly string Folder = Directory.CreateTempSubdirectory("mode-torchsave").FullName;

    static ClipConfig Tiny => ClipConfig.Tiny(vocabSize: 600, imageSize: 16);

    static ClipConfig TinyVit(int patch) => ClipConfig.TinyVit(vocabSize: 600) with
    {
        EmbedDim = 32,
        Vision = new ClipVisionConfig(ImageSize: 16, Kind: ClipVisionConfig.Vit, Width: 32, Layers: 2, PatchSize: patch, HeadWidth: 16),
        Text = new ClipTextConfig(ContextLength: 16, VocabSize: 600, Width: 32, Layers: 2, Heads: 2),
    };

    static Dictionary<string, Tensor> Weights(Clip model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    /// <summary>The model's state dict saved in torch.save's format, each tensor passed through <paramref name="alter"/>;
    /// <paramref name="wrap"/> saves it as open_clip's training checkpoint of a DistributedDataParallel model.</summary>
    static string Saved(string name, ClipConfig config, Func<string, Tensor, Tensor>? alter = null, bool wrap = false)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new Clip(config, seed: 1);
        var state = new Hashtable();
        foreach (var (key, parameter) in OpenClipNames.Map(model))
            state[(wrap ? "module." : "") + key] = alter?.Invoke(key, parameter.detach()) ?? parameter.detach();
        IDictionary saved = wrap ? new Hashtable { ["epoch"] = 3, ["name"] = "run", ["state_dict"] = state } : state;
        string path = Path.Combine(Folder, name + ".pt");
        using (var stream = File.Create(path)) PyTorchPickler.PickleStateDict(stream, saved);
        return path;
    }

    [Theory]
    [InlineData(false, ScalarType.Float32)]
    [InlineData(true, ScalarType.Float16)]
    [InlineData(false, ScalarType.BFloat16)]
    [InlineData(true, ScalarType.Float64)]
    public void TorchSaveStateDictLoadsEveryWeightConverted(bool wrap, ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        // logit_scale as shape [1], as some open_clip checkpoints hold it (its load_checkpoint reshapes it)
        string path = Saved($"roundtrip-{wrap}-{dtype}", Tiny, (name, t) => (name == "logit_scale" ? t.reshape(1) : t).to(dtype), wrap);
        using var source = new Clip(Tiny, seed: 1);
        using var target = new Clip(Tiny, seed: 2);
        OpenClipCheckpoint.Load(target, path);
        var expected = Weights(source);
        foreach (var (name, weight) in Weights(target))
            Assert.True(weight.eq(expected[name].to(dtype).to(ScalarType.Float32)).all().item<bool>(), name);
    }

    /// <summary>Loads <paramref name="path"/> into a fresh model and checks the refusal: one line that starts with the
    /// file and holds every <paramref name="reasons"/>, and no weight changed.</summary>
    void AssertRefused(string path, ClipConfig config, params string[] reasons)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new Clip(config, seed: 2);
        var before = Weights(model);
        var error = Assert.Throws<InvalidDataException>(() => OpenClipCheckpoint.Load(model, path));
        output.WriteLine(error.Message);
        Assert.StartsWith(path + ": ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        foreach (var reason in reasons) Assert.Contains(reason, error.Message);
        foreach (var (name, weight) in Weights(model)) Assert.True(weight.eq(before[name]).all().item<bool>(), $"{name} changed by a refused load");
    }

    [Theory]
    [Trait("Hostile", "class10")]
    [InlineData("pt", 0.5)]
    [InlineData("pt", 0.99)]
    [InlineData("safetensors", 0.5)]
    public void TruncatedCheckpointIsRefused(string format, double kept)
    {
        string path = Path.Combine(Folder, $"cut-{kept}.{format}");
        if (format == "pt") File.Copy(Saved($"whole-{kept}", Tiny), path, overwrite: true);
        else
        {
            using var model = new Clip(Tiny, seed: 1);
            OpenClipCheckpoint.Save(model, path);
        }
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(int)(bytes.Length * kept)]);
        AssertRefused(path, Tiny, format == "pt" ? "not a readable torch.save archive" : "truncated safetensors file");
    }

    [Theory]
    [Trait("Hostile", "class10")]
    [InlineData("text", "neither a torch.save zip archive nor a safetensors file (it starts with bytes 6E6F7420612063")]
    [InlineData("legacy", "a pickle outside a zip archive (torch.save's format before PyTorch 1.6)")]
    [InlineData("empty", "not a safetensors file (0 bytes")]
    public void FileOfNeitherFormatIsRefused(string kind, string reason)
    {
        string path = Path.Combine(Folder, "neither-" + kind + ".pt");
        File.WriteAllBytes(path, kind switch
        {
            "text" => "not a checkpoint at all\n"u8.ToArray(),
            "legacy" => [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, (byte)'.'], // PyTorch's legacy magic number
            _ => [],
        });
        AssertRefused(path, Tiny, reason);
    }

    [Theory]
    [Trait("Hostile", "class10")]
    [InlineData("cnn-into-vit")]
    [InlineData("patch8-into-patch4")]
    public void AnotherArchitectureIsRefusedListingEveryTensor(string kind)
    {
        if (kind == "cnn-into-vit")
            AssertRefused(Saved(kind, Tiny), TinyVit(4), "missing ", "visual.conv1.weight", "unexpected ", "visual.blocks.0.conv.weight");
        else // as ViT-B-16 weights into a ViT-B-32: the patch embedding and the position table differ
            AssertRefused(Saved(kind, TinyVit(8)), TinyVit(4), "'visual.conv1.weight' has shape [32, 3, 8, 8], the model's is [32, 3, 4, 4]",
                "'visual.positional_embedding' has shape [5, 32], the model's is [17, 32]");
    }

    [Fact]
    [Trait("Hostile", "class10")]
    public void NaNWeightIsRefused() =>
        AssertRefused(Saved("nan", Tiny, (name, t) => name == "ln_final.weight" ? t.clone().index_fill_(0, torch.tensor(new long[] { 3 }), double.NaN) : t),
            Tiny, "tensor 'ln_final.weight' holds NaN");

    /// <summary>A zip like torch.save's whose data.pkl is <paramref name="pickle"/>.</summary>
    static string Archive(string name, byte[] pickle)
    {
        string path = Path.Combine(Folder, name + ".pt");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) entry.Write(pickle);
        using (var version = zip.CreateEntry("archive/version").Open()) version.Write("3\n"u8);
        return path;
    }

    /// <summary>Pickle opcodes (Python's pickletools): PROTO 2, and BINUNICODE of a string.</summary>
    static byte[] Proto(int version) => [0x80, (byte)version];
    static byte[] Unicode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return [(byte)'X', .. BitConverter.GetBytes(bytes.Length), .. bytes];
    }
    static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>A pickle of kind <paramref name="kind"/> that would run <c>touch MARKER</c>, or build a class outside
    /// tensors and containers, when unpickled with Python's pickle.</summary>
    static byte[] Malicious(string kind, string marker)
    {
        byte[] call = [.. Unicode("touch " + marker), 0x85, (byte)'R', (byte)'.']; // the command, TUPLE1, REDUCE, STOP
        return kind switch
        {
            "posix.system" or "os.system" => [.. Proto(2), .. Ascii($"c{kind.Replace('.', '\n')}\n"), .. call],
            "builtins.eval" => [.. Proto(2), .. Ascii("cbuiltins\neval\n"), .. Unicode($"__import__('os').system('touch {marker}')"), 0x85, (byte)'R', (byte)'.'],
            // protocol 4: module and name as SHORT_BINUNICODE, memoized, popped, fetched back (BINGET), then STACK_GLOBAL
            "stack-global" => [.. Proto(4), 0x8c, 2, .. Ascii("os"), 0x94, 0x8c, 6, .. Ascii("system"), 0x94,
                (byte)'0', (byte)'0', (byte)'h', 0, (byte)'h', 1, 0x93, .. call],
            // protocol 0's INST: MARK, the argument, then the class inline
            "inst" => [(byte)'(', .. Unicode("touch " + marker), .. Ascii("ios\nsystem\n.")],
            // an unknown class inside a dict, made with NEWOBJ and no arguments
            "unknown-class" => [.. Proto(2), (byte)'}', (byte)'(', .. Unicode("w"), .. Ascii("c__main__\nEvil\n"), (byte)')', 0x81, (byte)'u', (byte)'.'],
            "extension" => [.. Proto(2), 0x82, 1, .. call],
            _ => throw new ArgumentException(kind),
        };
    }

    [Theory]
    [Trait("Hostile", "class10")]
    [InlineData("posix.system", "posix.system")]
    [InlineData("os.system", "os.system")]
    [InlineData("builtins.eval", "builtins.eval")]
    [InlineData("stack-global", "os.system")]
    [InlineData("inst", "os.system")]
    [InlineData("unknown-class", "__main__.Evil")]
    [InlineData("extension", "extension code")]
    public void PickleNamingAnythingButTensorsIsRefusedBeforeUnpickling(string kind, string named)
    {
        string folder = Directory.CreateTempSubdirectory("mode-evil-").FullName;
        string marker = Path.Combine(folder, "MARKER");
        AssertRefused(Archive("evil-" + kind, Malicious(kind, marker)), Tiny, "refused before unpickling", named);
        Assert.False(File.Exists(marker), "the pickle's command ran");
        Directory.Delete(folder, recursive: true);
    }

    [FactWithPyTorch]
    [Trait("Hostile", "class10")]
    public void PyTorchsExploitUnknownClassAndTorchScriptAreRefusedItsProtocol4Read()
    {
        string folder = Directory.CreateTempSubdirectory("mode-evil-torch-").FullName;
        string marker = Path.Combine(folder, "MARKER");
        string script = Path.Combine(Repository.Root, "tests", "python", "torch_save_reference.py");
        var (code, output) = ChildProcess.Run(FactWithPyTorchAttribute.Python, [script, "hostile", folder, marker]);
        Assert.True(code == 0, $"{script} exited {code}: {output}");
        AssertRefused(Path.Combine(folder, "exploit.pt"), Tiny, "refused before unpickling", "posix.system");
        AssertRefused(Path.Combine(folder, "unknown.pt"), Tiny, "refused before unpickling", "__main__.Unknown");
        AssertRefused(Path.Combine(folder, "torchscript.pt"), Tiny, "TorchScript archive", "torch.jit.load", ".state_dict()");
        Assert.False(File.Exists(marker), "the pickle's command ran");
        using (var scope = torch.NewDisposeScope())
        {
            var accepted = TorchStateDict.Read(Path.Combine(folder, "protocol4.pt"));
            Assert.Equal([0f, 1, 2, 3], ((Tensor)accepted["weight"]!).data<float>().ToArray());
            Assert.Equal([0.5f, -1], ((Tensor)accepted["bias"]!).data<float>().ToArray());
        }
        Directory.Delete(folder, recursive: true);
    }
}
