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

    /// <summary>The train stage's marker (RUN/train/done.json) of the default options, as runs made before have it:
    /// the same text now, so that those runs are not reported as made with other options.</summary>
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
            StageMarker.MarkDone(run, TrainStage.Stage.Name, new ProtocolOptions());
            Assert.Equal(DefaultMarker.ReplaceLineEndings("\n"), File.ReadAllText(run.Done(TrainStage.Stage.Name)).ReplaceLineEndings("\n"));
            Assert.True(StageMarker.IsDone(run, TrainStage.Stage.Name, new ProtocolOptions()));
        }
        finally { Directory.Delete(run.Root, recursive: true); }
    }

    [Fact]
    public void ValidateNamesTheBadProperty()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TrainOptions { WarmupSteps = 10, TotalSteps = 5 }.Validate());
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
