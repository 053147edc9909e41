using MoDE.Cli;
using MoDE.Shards;
using MoDE.Split;

namespace MoDE.Tests.Cli;

/// <summary>The verbs of the open_clip hand-off from the command line: <c>mode shards</c>, <c>mode train --launcher open_clip</c>,
/// and their flags refused where they cannot apply, each refusal one line naming the flag.</summary>
public sealed class OpenClipVerbTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-cli-open-clip").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static InProcessMode Mode(params string[] args) => InProcessMode.Run(args);

    [Fact]
    public void Shards_then_the_open_clip_launcher_write_manifests_and_one_sbatch_file_per_model()
    {
        var run = SplitRun.Copy("mode-cli-shards");
        string shards = Path.Combine(folder, "shards");
        var written = Mode("shards", "--run", run.Root, "--to", shards, "--shard-samples", "64", "--seed", "7", "--steps", "48", "--batch", "32");
        Assert.True(written.Code == 0, written.Error);
        var manifest = ShardManifest.Load(Path.Combine(shards, "expert_0"));
        Assert.All(manifest.ShardSamples, count => Assert.InRange(count, 1, 64));
        Assert.Equal(7, manifest.Seed);

        string vocabulary = Path.Combine(folder, "bpe_simple_vocab_16e6.txt.gz");
        File.WriteAllText(vocabulary, "identified only");
        var launched = Mode("train", "--run", run.Root, "--launcher", "open_clip", "--shards", shards, "--model", "tiny-vit", "--tokenizer", vocabulary,
            "--steps", "48", "--batch", "32", "--seed", "7", "--open-clip-epochs", "4", "--precision", "bf16");
        Assert.True(launched.Code == 0, launched.Error);
        foreach (string model in RunModels.Of(run))
            Assert.Contains("--precision bf16", File.ReadAllText(Path.Combine(run.Root, "open_clip", $"{model}.sbatch")));
        Assert.Contains("--epochs 4", File.ReadAllText(Path.Combine(run.Root, "open_clip", "expert_1.sbatch")));
    }

    [Theory]
    [Trait("Hostile", "class12")]
    [InlineData("--shards", "train", "--shards", "x")]
    [InlineData("--submit", "train", "--launcher", "slurm", "--submit")]
    [InlineData("--precision", "train", "--launcher", "open_clip", "--shards", "x", "--precision", "fp64")]
    [InlineData("--to", "shards", "--to", "a{0..3}")]
    [InlineData("--shard-bytes", "shards", "--to", "x", "--shard-bytes", "100")]
    public void Flags_that_cannot_apply_are_one_line_naming_the_flag(string named, params string[] args)
    {
        string run = SplitRun.Copy("mode-cli-refused").Root;
        var outcome = Mode([.. args, "--run", run]);
        Assert.NotEqual(0, outcome.Code);
        Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, outcome.Error);
        Assert.DoesNotContain("   at ", outcome.Error);
        Assert.False(Directory.Exists(Path.Combine(run, "open_clip")) && Directory.GetFiles(Path.Combine(run, "open_clip"), "*.sbatch").Length > 0);
    }
}
