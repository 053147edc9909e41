using MoDE.Model;
using MoDE.Storage;
using MoDE.Train;
using Xunit;

namespace MoDE.Tests.Train;

public class TrainOptionsTests
{
    [Fact]
    public void DefaultsAreClipHyperParameters()
    {
        var options = new TrainOptions().Validate();
        Assert.Equal((256, 5e-4, 0.9, 0.98, 1e-6, 0.2), (options.BatchSize, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay));
    }

    [Fact]
    public void DefaultsAreTheProtocolOfRuns()
    {
        var options = new TrainOptions().Validate(totalSteps: 400);
        Assert.Equal((400, 338, 62, 40, 0.9, 32, 100, 1234, "tiny"),
            (options.Steps, options.SeedSteps, options.ExpertSteps, options.WarmupSteps, options.CropScale, options.ContextLength, options.CheckpointEvery, options.Seed, options.Model));
        Assert.Equal((0, 0, TrainDevice.Cpu), (options.Threads, options.Workers, options.Device));
        Assert.Equal(338 + 4 * 62, options.BaselineSteps(4));
        Assert.Equal(new LearningRateSchedule(5e-4, 40, 400), options.Schedule(400));
    }

    /// <summary>The train stage's marker (RUN/train/done.json) of the default options, as runs made before these options
    /// were one record have it: the same text now, so that those runs are not reported as made with other options.</summary>
    const string DefaultMarker = """
        {
          "Steps": 400,
          "SeedShare": 0.84375,
          "BatchSize": 256,
          "LearningRate": 0.0005,
          "WarmupSteps": 40,
          "ContextLength": 32,
          "CheckpointEvery": 100,
          "Seed": 1234,
          "Model": "tiny",
          "CropScale": 0.9,
          "SeedSteps": 338,
          "ExpertSteps": 62
        }

        """;

    [Fact]
    public void TheDefaultOptionsWriteTheMarkerOfEarlierRuns()
    {
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-marker-").FullName);
        try
        {
            StageMarker.MarkDone(run, TrainStage.Stage.Name, new TrainOptions());
            Assert.Equal(DefaultMarker.ReplaceLineEndings("\n"), File.ReadAllText(run.Done(TrainStage.Stage.Name)).ReplaceLineEndings("\n"));
            Assert.True(StageMarker.IsDone(run, TrainStage.Stage.Name, new TrainOptions()));
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    [Fact]
    public void TheJsonReadsBackAsTheSameOptions() // RUN/slurm/train.json, read by each Slurm task
    {
        var options = new TrainOptions { Steps = 12, SeedShare = 0.5, BatchSize = 32, WarmupSteps = 2, CropScale = 1, Model = "tiny-vit", Seed = 7 };
        Assert.Equal(options, System.Text.Json.JsonSerializer.Deserialize<TrainOptions>(System.Text.Json.JsonSerializer.Serialize(options)));
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void ValidateNamesTheBadProperty()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TrainOptions { WarmupSteps = 10 }.Validate(totalSteps: 5));
        Assert.Equal(nameof(TrainOptions.WarmupSteps), error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new TrainOptions { BatchSize = 1 }.Validate());
        Assert.Equal(nameof(TrainOptions.BatchSize), error.ParamName);
    }

    [Fact]
    public void WeightDecaySkipsGainsBiasesEmbeddingsAndLogitScale()
    {
        using var model = new Clip(ClipConfig.Tiny(vocabSize: 50));
        var (decayed, notDecayed) = WeightDecayGroups.Split(model);
        var skipped = notDecayed.Select(p => p.Name).ToHashSet();
        var kept = decayed.Select(p => p.Name).ToHashSet();
        Assert.Contains("logit_scale", skipped);
        Assert.Contains("token_embedding.weight", skipped);
        Assert.Contains("positional_embedding", skipped);
        Assert.Contains("ln_final.weight", skipped);
        Assert.Contains("ln_final.bias", skipped);
        Assert.Contains("transformer.resblocks.0.ln_1.weight", skipped);
        Assert.Contains("transformer.resblocks.0.mlp.c_fc.bias", skipped);
        Assert.Contains("visual.blocks.0.norm.weight", skipped);
        Assert.Contains("visual.proj.bias", skipped);
        Assert.Contains("text_projection", kept);
        Assert.Contains("transformer.resblocks.0.attn.in_proj_weight", kept);
        Assert.Contains("visual.blocks.0.conv.weight", kept);
        Assert.Contains("visual.proj.weight", kept);
        Assert.All(decayed, p => Assert.True(p.Parameter.dim() >= 2, p.Name));
        Assert.Equal(model.parameters().Count(), decayed.Count + notDecayed.Count);
    }
}
