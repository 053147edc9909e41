using System.Diagnostics;
using MoDE.Cluster;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Run;
using MoDE.Slurm;
using MoDE.Storage;
using MoDE.Tests.Run;
using Xunit.Abstractions;

namespace MoDE.Tests.Slurm;

/// <summary>
/// Embed as a Slurm job array over chunk shares, then concatenate and cluster (afterok): the same embeddings and
/// clusters as the local launcher. Fails, not skips, when no Slurm answers.
/// </summary>
[Collection(LocalSlurmCollection.Name)]
public class SlurmEmbedTests(LocalSlurm slurm, ITestOutputHelper output) : IClassFixture<DejaVuFonts>
{
    static readonly RunOptions Options = PipelineTests.Tiny with { Embed = PipelineTests.Tiny.Embed with { ChunkSize = 64, Threads = 1 } };

    [Fact]
    public void ShardsComputeOnlyTheirChunksAndTheLastRunConcatenates()
    {
        var whole = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-whole").FullName);
        IngestStage.Run(whole, Options.Data, new StringWriter());
        EmbedStage.Run(whole, Options.Embed, new StringWriter());

        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-shards").FullName);
        IngestStage.Run(run, Options.Data, new StringWriter());
        EmbedStage.Run(run, Options.Embed, new StringWriter(), shard: EmbedShard.Parse("1/3"));
        int[] written = Directory.GetFiles(run.EmbedChunksFolder, "*.npy").Select(f => int.Parse(Path.GetFileNameWithoutExtension(f))).Order().ToArray();
        Assert.NotEmpty(written);
        Assert.All(written, c => Assert.Equal(1, c % 3));
        Assert.False(File.Exists(run.Done(EmbedStage.Stage.Name)));
        EmbedStage.Run(run, Options.Embed, new StringWriter(), shard: EmbedShard.Parse("0/3"));
        EmbedStage.Run(run, Options.Embed, new StringWriter(), shard: EmbedShard.Parse("2/3"));
        var last = new StringWriter();
        EmbedStage.Run(run, Options.Embed, last);
        Assert.Contains("(0 computed now)", last.ToString());
        Assert.Equal(File.ReadAllBytes(whole.CaptionEmbeddings), File.ReadAllBytes(run.CaptionEmbeddings));
        Assert.Throws<ArgumentException>(() => EmbedShard.Parse("3/3"));
    }

    [Fact]
    public void EmbedAndClusterThroughSlurmGiveTheLocalResults()
    {
        slurm.Require();
        var local = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-local").FullName);
        IngestStage.Run(local, Options.Data, new StringWriter());
        EmbedStage.Run(local, Options.Embed, new StringWriter());
        ClusterStage.Run(local, Options.Cluster, new StringWriter());

        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-embed-slurm").FullName);
        IngestStage.Run(run, Options.Data, new StringWriter());
        var log = new StringWriter();
        var jobs = SlurmEmbedLauncher.Submit(run, Options.Embed, Options.Cluster, SlurmTrainTests.Slurm, 3, log);
        output.WriteLine(log.ToString());
        var clock = Stopwatch.StartNew();
        string? state = null;
        while (clock.Elapsed < TimeSpan.FromMinutes(4))
        {
            state = SlurmJobState.Query(jobs.Jobs[ClusterStage.Stage.Name]);
            if (RunStatus.Describe(state, false) is "done" or "failed") break;
            Thread.Sleep(500);
        }
        var status = new StringWriter();
        RunStatus.Write(run, status);
        output.WriteLine(status.ToString());
        Assert.True(state == "COMPLETED", $"cluster job ended {state}\n{status}");
        foreach (var (a, b) in new[] { (local.CaptionEmbeddings, run.CaptionEmbeddings), (local.EmbeddedPairs, run.EmbeddedPairs),
                     (local.FineCenters, run.FineCenters), (local.FineAssignment, run.FineAssignment), (local.FineToCoarse, run.FineToCoarse) })
        {
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
            output.WriteLine($"{Path.GetRelativePath(run.Root, b)}: identical to the local launcher's");
        }
    }
}
