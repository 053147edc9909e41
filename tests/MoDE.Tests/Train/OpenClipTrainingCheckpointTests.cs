using MoDE.Model;
using MoDE.Storage;
using MoDE.Train;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit;
using Xunit.Abstractions;

using static TorchSharp.torch;

namespace MoDE.Tests.Train;

/// <summary>
/// <see cref="OpenClipTrainingCheckpoint"/>: a state written as open_clip's training checkpoint reads back whole, is
/// what PyTorch's AdamW continues from exactly as MoDE.NET's does (tests/python/resume_reference.py, open_clip's
/// resume on the mode_clip.py mirror), and a checkpoint that is not this run's seed is one line.
/// </summary>
public class OpenClipTrainingCheckpointTests(ITestOutputHelper output) : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("mode-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    static readonly TrainOptions Options = new() { Steps = 32, BatchSize = 32, LearningRate = 2e-3, WarmupSteps = 3, Seed = 11, Threads = 2, CropScale = 1 };

    static ClipConfig Config(string kind, int vocabSize) => kind == ClipVisionConfig.Vit
        ? SyntheticPairs.Config(vocabSize) with { Vision = new ClipVisionConfig(ImageSize: 32, Kind: ClipVisionConfig.Vit, Width: 32, Layers: 1, PatchSize: 8, HeadWidth: 16) }
        : SyntheticPairs.Config(vocabSize);

    /// <summary>A state after 3 steps: moments and step counts unlike AdamW's initial zeros.</summary>
    static TrainState Trained(string kind)
    {
        var (data, tokenizer) = SyntheticPairs.Data(64);
        var state = TrainState.Create(Config(kind, tokenizer.VocabSize), Options, Options.Steps);
        Trainer.Train(state, data, untilStep: 3);
        return state;
    }

    [Theory]
    [InlineData(27.0 / 32, 32, 27)]
    [InlineData(0.5, 32, 16)]
    [InlineData(0.75, 4, 3)]
    public void SeedEpochIsTheSeedsShareOfTheEpochs(double share, int epochs, int expected) =>
        Assert.Equal(expected, OpenClipTrainingCheckpoint.SeedEpoch(new TrainOptions { SeedShare = share }, epochs));

    [Theory]
    [InlineData(0.3, 32)]
    [InlineData(27.0 / 32, 10)]
    public void SeedShareThatIsNoWholeEpochIsRefusedNamingEpochs(double share, int epochs) =>
        Assert.Equal("epochs", Assert.Throws<ArgumentOutOfRangeException>(() => OpenClipTrainingCheckpoint.SeedEpoch(new TrainOptions { SeedShare = share }, epochs)).ParamName);

    [Theory]
    [InlineData(ClipVisionConfig.Vit)]
    [InlineData(ClipVisionConfig.Cnn)]
    public void ExportThenImportGivesTheSameWeightsMomentsAndSteps(string kind)
    {
        using var state = Trained(kind);
        string path = Path.Combine(_folder, "epoch_27.pt");
        OpenClipTrainingCheckpoint.Save(state, path, OpenClipTrainingCheckpoint.SeedEpoch(Options), "seed");
        using var loaded = OpenClipTrainingCheckpoint.LoadSeed(path, state.Config, Options);

        Assert.Equal(Options.SeedSteps, loaded.Step);
        var weights = loaded.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in state.Model.named_parameters())
            Assert.True(parameter.eq(weights[name]).all().item<bool>(), name);
        var before = state.Moments();
        var after = loaded.Moments();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, moment) in before)
        {
            Assert.Equal(3, moment.step);
            Assert.Equal(moment.step, after[name].step);
            Assert.True(moment.exp_avg.eq(after[name].exp_avg).all().item<bool>(), $"{name} exp_avg");
            Assert.True(moment.exp_avg_sq.eq(after[name].exp_avg_sq).all().item<bool>(), $"{name} exp_avg_sq");
        }
        Assert.Contains(before.Values, m => m.exp_avg_sq.sum().item<float>() > 0);
        output.WriteLine($"{kind}: {before.Count} tensors' weights, moments and steps identical after export and import");
    }

    public static TheoryData<string, string> NotTheSeed => new()
    {
        { "architecture", "not a checkpoint of this model" },
        { "epoch", "a checkpoint of epoch 20; this run's seed ends at epoch 27 of 32" },
        { "bare", "a state dict without \"epoch\" and \"optimizer\"" },
        { "nan", "exp_avg holds NaN or infinite values" },
    };

    [Theory]
    [Trait("Hostile", "class10")]
    [MemberData(nameof(NotTheSeed))]
    public void CheckpointThatIsNotThisRunsSeedIsOneLine(string kind, string reason)
    {
        using var state = Trained(ClipVisionConfig.Vit);
        string path = Path.Combine(_folder, $"{kind}.pt");
        int epoch = OpenClipTrainingCheckpoint.SeedEpoch(Options);
        var config = state.Config;
        switch (kind)
        {
            case "architecture":
                OpenClipTrainingCheckpoint.Save(state, path, epoch, "seed");
                config = Config(ClipVisionConfig.Cnn, config.Text.VocabSize);
                break;
            case "epoch":
                OpenClipTrainingCheckpoint.Save(state, path, 20, "seed");
                break;
            case "bare":
                using (var stream = File.Create(path))
                    PyTorchPickler.PickleStateDict(stream, OpenClipNames.Map(state.Model).ToDictionary(p => p.Name, p => (object)p.Parameter.detach()));
                break;
            case "nan":
                state.Moments()["visual.proj"].exp_avg.fill_(double.NaN);
                OpenClipTrainingCheckpoint.Save(state, path, epoch, "seed");
                break;
        }
        var e = Assert.Throws<InvalidDataException>(() => OpenClipTrainingCheckpoint.LoadSeed(path, config, Options).Dispose());
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>The file loads with torch.load (weights_only where PyTorch has it) and open_clip's keys; PyTorch's AdamW,
    /// built with open_clip's groups on the mirror model, takes its optimizer state; one step there from given gradients
    /// equals one step of MoDE.NET's AdamW from the same state and gradients. The 2-D embeddings, which open_clip decays
    /// and MoDE.NET does not, differ by exactly the decay: PyTorch's p - lr x wd x p0.</summary>
    [FactWithPyTorch]
    public void PyTorchsAdamWTakesTheStateAndItsStepEqualsMoDEs()
    {
        using var state = Trained(ClipVisionConfig.Vit);
        string In(string file) => Path.Combine(_folder, file);
        File.WriteAllText(In("config.json"), state.Config.ToJson());
        OpenClipTrainingCheckpoint.Save(state, In("epoch_27.pt"), OpenClipTrainingCheckpoint.SeedEpoch(Options), "seed");
        using (var gradients = new Clip(state.Config, seed: 99)) OpenClipCheckpoint.Save(gradients, In("grads.safetensors"));

        string script = Path.Combine(Repository.Root, "tests", "python", "resume_reference.py");
        var (code, log) = ChildProcess.Run(FactWithPyTorchAttribute.Python, [script, "step", In("config.json"), In("epoch_27.pt"), In("grads.safetensors"), In("stepped.safetensors")]);
        output.WriteLine(log.Trim());
        Assert.True(code == 0, $"{script} exited {code}: {log}");

        // MoDE.NET's step from the same state: the gradient of sum(p x g) is g.
        using var scope = torch.NewDisposeScope();
        using var grads = new Clip(state.Config, seed: 0);
        OpenClipCheckpoint.Load(grads, In("grads.safetensors"));
        var g = grads.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());
        var before = state.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        double lr = state.Optimizer.ParamGroups.First().LearningRate;
        Assert.All(state.Optimizer.ParamGroups, group => Assert.Equal(lr, group.LearningRate));
        state.Optimizer.zero_grad();
        state.Model.named_parameters().Select(p => (p.parameter * g[p.name]).sum()).Aggregate((a, b) => a + b).backward();
        state.Optimizer.step();

        using var pytorch = new Clip(state.Config, seed: 0);
        OpenClipCheckpoint.Load(pytorch, In("stepped.safetensors"));
        var theirs = pytorch.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());
        double same = 0, decayed = 0, decay = 0;
        int decayedCount = 0;
        foreach (var (name, parameter) in state.Model.named_parameters())
        {
            var ours = parameter.detach();
            double moDE = WeightDecayGroups.IsDecayed(name, parameter) ? Options.WeightDecay : 0;
            double openClip = OpenClipTrainingCheckpoint.IsExcluded(name, (int)parameter.dim()) ? 0 : Options.WeightDecay;
            // Decoupled decay multiplies p0 by 1 - lr x wd before the Adam update, in both.
            var expected = ours + before[name] * (lr * (moDE - openClip));
            double diff = (theirs[name] - expected).abs().max().item<float>();
            Assert.True(diff < 1e-6, $"{name}: max |PyTorch - MoDE.NET| = {diff:E2}");
            if (moDE == openClip) same = Math.Max(same, diff);
            else
            {
                decayedCount++;
                decayed = Math.Max(decayed, diff);
                decay = Math.Max(decay, (theirs[name] - ours).abs().max().item<float>());
            }
        }
        Assert.Equal(3, decayedCount); // token_embedding.weight, positional_embedding, visual.positional_embedding
        Assert.True(decay > 1e-6, $"the embeddings' decay {decay:E2} is too small to tell the groups apart");
        output.WriteLine($"one AdamW step, max |PyTorch - MoDE.NET|: {same:E2} over tensors in the same group; " +
                         $"{decayed:E2} over the {decayedCount} embeddings after open_clip's decay (which moved them by up to {decay:E2})");
    }

    /// <summary>The reverse: a checkpoint that PyTorch's AdamW wrote as a multi-GPU open_clip run does (keys under
    /// "module.", torch.optim's own state dict) becomes the run's seed with the weights, moments and step counts it holds.</summary>
    [FactWithPyTorch]
    public void ASeedThatPyTorchTrainedLoadsWithItsWeightsMomentsAndSteps()
    {
        var config = Config(ClipVisionConfig.Vit, 300);
        string In(string file) => Path.Combine(_folder, file);
        File.WriteAllText(In("config.json"), config.ToJson());
        string script = Path.Combine(Repository.Root, "tests", "python", "resume_reference.py");
        var (code, log) = ChildProcess.Run(FactWithPyTorchAttribute.Python, [script, "train", In("config.json"), "3", _folder]);
        Assert.True(code == 0, $"{script} exited {code}: {log}");

        using var seed = OpenClipTrainingCheckpoint.LoadSeed(In("epoch_27.pt"), config, Options);
        Assert.Equal(Options.SeedSteps, seed.Step);
        using var scope = torch.NewDisposeScope();
        using var file = SafetensorsFile.Open(In("expected.safetensors"));
        var expected = file.Entries.ToDictionary(e => e.Name, e =>
        {
            var value = torch.empty(e.Shape, ScalarType.Float32);
            value.bytes = file.Read(e);
            return value;
        });
        var moments = seed.Moments();
        foreach (var (name, parameter) in seed.Model.named_parameters())
        {
            Assert.True(parameter.detach().eq(expected[name].reshape(parameter.shape)).all().item<bool>(), name);
            Assert.Equal(3, moments[name].step);
            Assert.True(moments[name].exp_avg.eq(expected[name + ".exp_avg"].reshape(parameter.shape)).all().item<bool>(), $"{name} exp_avg");
            Assert.True(moments[name].exp_avg_sq.eq(expected[name + ".exp_avg_sq"].reshape(parameter.shape)).all().item<bool>(), $"{name} exp_avg_sq");
        }
        output.WriteLine($"{moments.Count} tensors: weights, exp_avg, exp_avg_sq and step 3 as PyTorch saved them");
    }
}
