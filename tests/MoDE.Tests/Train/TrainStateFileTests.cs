using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoDE.Model;
using MoDE.Storage;
using MoDE.Train;
using Xunit;

namespace MoDE.Tests.Train;

/// <summary>
/// A saved training state damaged in the ways a file on disk can be: cut short, a byte flipped, a header that is not
/// JSON, holds the wrong types or out-of-range values, or claims a model the file cannot hold. Each load ends in one
/// <see cref="InvalidDataException"/> whose one-line message starts with the file's path; a lying header is refused
/// before a tensor is allocated.
/// </summary>
public sealed partial class TrainStateFileTests(TrainStateFileTests.SavedState saved) : IClassFixture<TrainStateFileTests.SavedState>, IDisposable
{
    /// <summary>One small state, 2 steps into an 8-step schedule (so the AdamW moments are not zero), saved once.</summary>
    public sealed class SavedState : IDisposable
    {
        public const int TotalSteps = 8;
        readonly string _folder = Directory.CreateTempSubdirectory("mode-state-").FullName;

        public SavedState()
        {
            var (data, tokenizer) = SyntheticPairs.Data(64);
            string path = Path.Combine(_folder, "state.bin");
            using (var state = TrainState.Create(SyntheticPairs.Config(tokenizer.VocabSize),
                       new TrainOptions { BatchSize = 32, WarmupSteps = 1, Seed = 5, Threads = 1 }, TotalSteps))
            {
                Trainer.Train(state, data, untilStep: 2);
                state.Save(path);
            }
            Bytes = File.ReadAllBytes(path);
            (Header, Tensors) = StateFile.Read(path);
        }

        public byte[] Bytes { get; }
        public string Header { get; }
        public byte[] Tensors { get; }

        /// <summary>Where the header's JSON starts: magic, version, length and checksum, then its length prefix.</summary>
        public const int HeaderStart = 12 + ChecksummedPayload.PrefixBytes;

        /// <summary>Byte offsets by the part of the file they fall in; the tensors are the model's, then the optimizer's
        /// (weights, then twice as many bytes of AdamW moments).</summary>
        public int Offset(string part) => part switch
        {
            "magic" => 3,
            "version" => 8,
            "length" => 12,
            "checksum" => 20,
            "header" => HeaderStart + 20,
            "model" => Bytes.Length - Tensors.Length + Tensors.Length / 6,
            "optimizer" => Bytes.Length - Tensors.Length / 3,
            "last byte" => Bytes.Length - 1,
            _ => throw new ArgumentException(part, nameof(part)),
        };

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }

    readonly string _folder = Directory.CreateTempSubdirectory("mode-hostile-state-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Writes <paramref name="bytes"/> to a file, loads it and returns the message of the refusal, after
    /// checking that it is one line that starts with the file's path.</summary>
    string Refusal(byte[] bytes)
    {
        string path = Path.Combine(_folder, $"damaged-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => TrainState.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    /// <summary>The saved state with its header replaced and a matching checksum: a header the writer meant.</summary>
    string RefusalOfHeader(string header, int version = TrainState.FormatVersion)
    {
        string path = Path.Combine(_folder, $"header-{Guid.NewGuid():N}.bin");
        StateFile.Write(path, version, header, saved.Tensors);
        return Refusal(File.ReadAllBytes(path));
    }

    /// <summary>The saved header with the field at the dotted <paramref name="field"/> replaced by <paramref name="json"/>.</summary>
    string HeaderWith(string field, string json)
    {
        var header = JsonNode.Parse(saved.Header)!;
        string[] names = field.Split('.');
        var parent = names[..^1].Aggregate(header, (node, name) => node[name]!);
        parent[names[^1]] = JsonNode.Parse(json);
        return header.ToJsonString();
    }

    [Fact]
    public void TheUndamagedStateLoads()
    {
        string path = Path.Combine(_folder, "whole.bin");
        File.WriteAllBytes(path, saved.Bytes);
        using var state = TrainState.Load(path);
        Assert.Equal(2, state.Step);
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("magic")]
    [InlineData("length")]
    [InlineData("header")]
    [InlineData("model")]
    [InlineData("optimizer")]
    [InlineData("last byte")]
    public void ATruncatedStateNamesBothSizes(string cutIn)
    {
        int cut = saved.Offset(cutIn);
        string message = Refusal(saved.Bytes[..cut]);
        if (cut < 12) Assert.Contains("not a MoDE training state", message);
        else if (cut < SavedState.HeaderStart) Assert.Contains($"truncated training state (expected at least {SavedState.HeaderStart} bytes, file has {cut})", message);
        else Assert.Contains($"truncated training state (expected {saved.Bytes.Length} bytes, file has {cut})", message);
    }

    /// <summary>Format 3 has no length to compare: the header's model gives the least size, and TorchSharp's read past
    /// the end is reported as a truncation of the file.</summary>
    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("header")]
    [InlineData("model")]
    [InlineData("optimizer")]
    [InlineData("last byte")]
    public void ATruncatedStateOfFormat3IsATruncationToo(string cutIn)
    {
        string path = Path.Combine(_folder, "format3.bin");
        StateFile.Write(path, 3, saved.Header, saved.Tensors);
        byte[] bytes = File.ReadAllBytes(path);
        int cut = saved.Offset(cutIn) - ChecksummedPayload.PrefixBytes;
        Assert.Contains("truncated training state", Refusal(bytes[..cut]));
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"a header\"")]
    [InlineData("{}")]
    [InlineData("{\"Config\": {}, \"Options\": {}}")]
    public void AHeaderThatIsNotAnObjectOfFieldsIsRefused(string header) =>
        Assert.Contains("header", RefusalOfHeader(header));

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("Config", "5")]
    [InlineData("Config", "null")]
    [InlineData("Config.vision_cfg", "null")]
    [InlineData("Config.text_cfg.width", "\"wide\"")]
    [InlineData("Options", "[]")]
    [InlineData("Options.BatchSize", "\"many\"")]
    [InlineData("Options.Model", "null")]
    [InlineData("Step", "\"four\"")]
    [InlineData("Step", "null")]
    [InlineData("Threads", "1.5")]
    [InlineData("TotalSteps", "1e20")]
    [InlineData("Beta1", "{}")]
    public void AHeaderFieldOfTheWrongTypeIsRefused(string field, string json) =>
        Assert.Contains("header", RefusalOfHeader(HeaderWith(field, json)));

    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("Step", "-1", "step -1")]
    [InlineData("Step", "9", "step 9")]
    [InlineData("TotalSteps", "0", "totalSteps")]
    [InlineData("Options.BatchSize", "1", "BatchSize")]
    [InlineData("Options.LearningRate", "-1", "LearningRate")]
    [InlineData("Beta2", "1.5", "Beta2")]
    [InlineData("Config.embed_dim", "0", "EmbedDim")]
    [InlineData("Config.vision_cfg.width", "1000000000", "Width")]
    [InlineData("Config.vision_cfg.layers", "30", "Layers")]
    [InlineData("Config.text_cfg.vocab_size", "2147483647", "VocabSize")]
    [InlineData("Config.text_cfg.heads", "3", "Heads")]
    [InlineData("Config.text_cfg.mlp_ratio", "1e300", "MlpRatio")]
    public void AHeaderValueOutOfRangeIsRefusedNamingIt(string field, string json, string named)
    {
        string message = RefusalOfHeader(HeaderWith(field, json));
        Assert.Contains("header", message);
        Assert.Contains(named, message);
    }

    /// <summary>A header whose model differs from the tensors that follow: smaller, so the file is large enough and
    /// TorchSharp's own complaint (which names no file) is wrapped; or larger than the file can hold.</summary>
    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData("Config.vision_cfg.layers", "2", "tensors that do not fit the header's model")]
    [InlineData("Config.embed_dim", "16", "tensors that do not fit the header's model")]
    [InlineData("Config.text_cfg.width", "512", "needs at least")]
    public void AHeaderThatDisagreesWithItsTensorsIsRefused(string field, string json, string reason) =>
        Assert.Contains(reason, RefusalOfHeader(HeaderWith(field, json)));

    /// <summary>A header claiming towers of width 8,192 and 48 layers each (77 billion parameters, 930 GB with the
    /// AdamW moments) in a file of under a megabyte: refused from the parameter count on the meta device, before any
    /// tensor has storage. Had the state been built, it would have asked libtorch for 300 GB of weights.</summary>
    [Theory]
    [Trait("Hostile", "class2")]
    [InlineData(TrainState.FormatVersion)]
    [InlineData(3)]
    public void AHeaderClaimingAGiganticModelFailsBeforeAllocating(int version)
    {
        var config = ClipConfig.VitB32() with
        {
            Vision = ClipConfig.VitB32().Vision with { Width = 8192, Layers = 48 },
            Text = ClipConfig.VitB32().Text with { Width = 8192, Layers = 48, Heads = 64 },
        };
        var header = JsonNode.Parse(saved.Header)!;
        header["Config"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(config));
        long before = GC.GetAllocatedBytesForCurrentThread();
        string message = RefusalOfHeader(header.ToJsonString(), version);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var needed = NeededBytes().Match(message);
        Assert.True(needed.Success, message);
        Assert.True(long.Parse(needed.Groups[1].Value) > 400_000_000_000, message);
        Assert.True(allocated < 64 << 20, $"{allocated} bytes allocated");
    }

    [GeneratedRegex(@"needs at least (\d+) bytes")] private static partial Regex NeededBytes();

    [Theory]
    [Trait("Hostile", "class6")]
    [InlineData("magic", "not a MoDE training state")]
    [InlineData("version", "format version")]
    [InlineData("length", "bytes, file has")]
    [InlineData("checksum", "damaged training state")]
    [InlineData("header", "damaged training state")]
    [InlineData("model", "damaged training state")]
    [InlineData("optimizer", "damaged training state")]
    [InlineData("last byte", "damaged training state")]
    public void AFlippedByteIsRefused(string part, string reason)
    {
        byte[] bytes = (byte[])saved.Bytes.Clone();
        bytes[saved.Offset(part)] ^= 0x10;
        Assert.Contains(reason, Refusal(bytes));
    }

    /// <summary>One flipped bit anywhere, at 100 places drawn from a fixed seed, and the load fails.</summary>
    [Fact]
    [Trait("Hostile", "class6")]
    public void AFlippedBitAnywhereIsRefused()
    {
        var random = new Random(17);
        for (int i = 0; i < 100; i++)
        {
            byte[] bytes = (byte[])saved.Bytes.Clone();
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            Refusal(bytes);
        }
    }
}
