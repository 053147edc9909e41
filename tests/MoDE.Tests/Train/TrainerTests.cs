using System.Security.Cryptography;
using System.Text.Json;
using MoDE.Model;
using MoDE.Train;
using TorchSharp;
using Xunit;

using static TorchSharp.torch;

namespace MoDE.Tests.Train;

public class TrainerTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("mode-train-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static readonly TrainOptions Options = new() { BatchSize = 32, LearningRate = 2e-3, WarmupSteps = 3, Seed = 11, Threads = 2, CropScale = 1 };

    [Fact]
    public void TrainingLowersTheLossOnColourCaptions()
    {
        var (data, tokenizer) = SyntheticPairs.Data(64);
        using var state = TrainState.Create(SyntheticPairs.Config(tokenizer.VocabSize), Options, totalSteps: 40);
        var losses = new List<double>();
        string log = Path.Combine(_folder, "train.jsonl");
        using (var trainingLog = new TrainingLog(log, Path.Combine(_folder, "tensorboard"), fromStep: 0))
            Trainer.Train(state, data, untilStep: 40, p => losses.Add(p.Loss), trainingLog);

        Assert.Equal(40, state.Step);
        double first = losses.Take(3).Average(), last = losses.TakeLast(3).Average();
        Assert.True(last < first - 1.0, $"loss {first:F3} -> {last:F3}");
        var lines = File.ReadAllLines(log);
        Assert.Equal(40, lines.Length);
        using var json = JsonDocument.Parse(lines[^1]);
        Assert.Equal(40, json.RootElement.GetProperty("step").GetDouble());
        foreach (var key in new[] { "loss", "logit_scale", "lr", "pairs_per_s" })
            Assert.True(json.RootElement.TryGetProperty(key, out _), key);
    }

    /// <summary>Also across the change of format: a state of format 3 (no checksum), as the previous build wrote it,
    /// continues as its format-4 twin.</summary>
    [Theory]
    [InlineData(TrainState.FormatVersion)]
    [InlineData(3)]
    public void SaveLoadAndContinueEqualsTrainingStraightThrough(int version)
    {
        var (data, tokenizer) = SyntheticPairs.Data(96);   // 3 steps per pass at batch 32: stop mid-pass, cross passes
        var config = SyntheticPairs.Config(tokenizer.VocabSize);
        string path = Path.Combine(_folder, "state.bin");

        using var straight = TrainState.Create(config, Options, totalSteps: 8);
        Trainer.Train(straight, data, untilStep: 8);

        using (var first = TrainState.Create(config, Options, totalSteps: 8))
        {
            Trainer.Train(first, data, untilStep: 4);
            first.Save(path);
        }
        if (version != TrainState.FormatVersion)
        {
            var (header, tensors) = StateFile.Read(path);
            StateFile.Write(path, version, header, tensors);
        }
        using var resumed = TrainState.Load(path);
        Assert.Equal(4, resumed.Step);
        Trainer.Train(resumed, data, untilStep: 8);

        Assert.Equal(8, resumed.Step);
        AssertSameWeights(straight.Model, resumed.Model);
    }

    [Fact]
    public void AnExpertContinuingFromTheSeedLeavesTheSeedFileAlone()
    {
        var (data, tokenizer) = SyntheticPairs.Data(64);
        string seedPath = Path.Combine(_folder, "seed.bin");
        using (var seed = TrainState.Create(SyntheticPairs.Config(tokenizer.VocabSize), Options, totalSteps: 6))
        {
            Trainer.Train(seed, data, untilStep: 3);
            seed.Save(seedPath);
        }
        byte[] before = SHA256.HashData(File.ReadAllBytes(seedPath));

        var expertData = data with { Rows = Enumerable.Range(0, 40).ToArray(), OutOfClusterRows = Enumerable.Range(40, 24).ToArray(), OutOfClusterRatio = 0.5 };
        using (var expert = TrainState.Load(seedPath))
        {
            Trainer.Train(expert, expertData, untilStep: 6);
            expert.Save(Path.Combine(_folder, "expert.bin"));
        }

        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(seedPath)));
        using var reloaded = TrainState.Load(seedPath);
        Assert.Equal(3, reloaded.Step);
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void LoadRejectsOtherFiles()
    {
        string path = Path.Combine(_folder, "not-a-state.bin");
        File.WriteAllText(path, "hello, world");
        Assert.Throws<InvalidDataException>(() => TrainState.Load(path));

        using (var writer = new BinaryWriter(File.Create(path)))
        {
            writer.Write("MODETRN\0"u8);
            writer.Write(TrainState.FormatVersion + 1);
        }
        var e = Assert.Throws<InvalidDataException>(() => TrainState.Load(path));
        Assert.Contains($"format version {TrainState.FormatVersion + 1}, this build reads 2 to {TrainState.FormatVersion}", e.Message);
    }

    [Fact]
    public void AStateOfFormat2LoadsAsTheSameState()
    {
        var (data, tokenizer) = SyntheticPairs.Data(64);
        string path = Path.Combine(_folder, "state.bin"), old = Path.Combine(_folder, "state-format2.bin");
        using (var first = TrainState.Create(SyntheticPairs.Config(tokenizer.VocabSize), Options with { Beta2 = 0.95, CropScale = 0.9 }, totalSteps: 8))
        {
            Trainer.Train(first, data, untilStep: 4);
            first.Save(path);
        }
        File.Copy(path, old);
        RewriteAsFormat2(old);

        using var current = TrainState.Load(path);
        using var loaded = TrainState.Load(old, options: new TrainOptions { Workers = 3 });
        // Beta2 and the crop scale are not the defaults, so they come from the file; workers from the run's options.
        Assert.Equal((4, 8, 2, 0.95, 0.9, 3), (loaded.Step, loaded.TotalSteps, loaded.Options.Threads, loaded.Options.Beta2, loaded.Options.CropScale, loaded.Options.Workers));
        Assert.Equal(current.Options with { Workers = 3 }, loaded.Options);
        Assert.Equal(current.Schedule, loaded.Schedule);
        // Saved again, both are the same bytes: same header, weights and AdamW state, so training continues alike.
        current.Save(Path.Combine(_folder, "again.bin"));
        loaded.Save(Path.Combine(_folder, "again-format2.bin"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "again.bin")), File.ReadAllBytes(Path.Combine(_folder, "again-format2.bin")));
    }

    /// <summary>Gives a saved state the header of format 2: one model's options, with its schedule's length, thread
    /// count and AdamW constants among them (and the schedule itself, as that format wrote it).</summary>
    static void RewriteAsFormat2(string path)
    {
        var (json, tensors) = StateFile.Read(path);
        var header = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        var o = header["Options"]!;
        var old = new System.Text.Json.Nodes.JsonObject
        {
            ["Config"] = header["Config"]!.DeepClone(),
            ["Options"] = new System.Text.Json.Nodes.JsonObject
            {
                ["BatchSize"] = o["BatchSize"]!.DeepClone(), ["LearningRate"] = o["LearningRate"]!.DeepClone(), ["WarmupSteps"] = o["WarmupSteps"]!.DeepClone(),
                ["TotalSteps"] = header["TotalSteps"]!.DeepClone(), ["Beta1"] = header["Beta1"]!.DeepClone(), ["Beta2"] = header["Beta2"]!.DeepClone(),
                ["Epsilon"] = header["Epsilon"]!.DeepClone(), ["WeightDecay"] = header["WeightDecay"]!.DeepClone(), ["Seed"] = o["Seed"]!.DeepClone(),
                ["Threads"] = header["Threads"]!.DeepClone(), ["CropScale"] = o["CropScale"]!.DeepClone(),
                ["Schedule"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["PeakLearningRate"] = o["LearningRate"]!.DeepClone(), ["WarmupSteps"] = o["WarmupSteps"]!.DeepClone(), ["TotalSteps"] = header["TotalSteps"]!.DeepClone(),
                },
            },
            ["Step"] = header["Step"]!.DeepClone(),
        };
        StateFile.Write(path, 2, old.ToJsonString(), tensors);
    }

    [Fact]
    public void EncodersGiveUnitFeaturesPerItem()
    {
        var (data, tokenizer) = SyntheticPairs.Data(10);
        using var model = new Clip(SyntheticPairs.Config(tokenizer.VocabSize));
        var images = model.EncodeImages(data.Images, batchSize: 4);
        var texts = model.EncodeTexts(tokenizer, ["a red square", "a blue square"], batchSize: 1);
        Assert.Equal(10, images.Length);
        Assert.Equal(2, texts.Length);
        foreach (var feature in images.Concat(texts))
        {
            Assert.Equal(32, feature.Length);
            Assert.Equal(1.0, Math.Sqrt(feature.Sum(v => (double)v * v)), 4);
        }
        Assert.True(model.training, "inference must restore training mode");
    }

    [Fact]
    public void TrainingAndInferenceLeaveNoLiveTensorsBehind()
    {
        var (data, tokenizer) = SyntheticPairs.Data(64);
        using var state = TrainState.Create(SyntheticPairs.Config(tokenizer.VocabSize), Options, totalSteps: 8);
        Trainer.Train(state, data, untilStep: 2); // gradients now exist
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Trainer.Train(state, data, untilStep: 6);
        state.Model.EncodeImages(data.Images, batchSize: 16);
        state.Model.EncodeTexts(tokenizer, ["a red square"]);
        Assert.Equal(live, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    static void AssertSameWeights(nn.Module expected, nn.Module actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var key in a.Keys)
        {
            double diff = (a[key] - b[key]).abs().max().item<float>();
            Assert.True(diff == 0, $"{key} differs by {diff}");
        }
    }
}
