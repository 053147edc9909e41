using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Tests.Storage;

public class StageMarkerTests
{
    [Fact]
    [Trait("Hostile", "class6")]
    public void AStageWhoseInputIsMissingSaysWhichStageToRunFirst()
    {
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-marker").FullName);
        var error = Assert.Throws<InvalidOperationException>(() => ClusterStage.Run(run, new ClusterOptions(), TextWriter.Null));
        Assert.Contains("needs stage 'embed'", error.Message);
        Assert.Contains("mode embed", error.Message);
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void FinishedWithTheSameOptionsIsDoneWithOthersIsAnError()
    {
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-marker").FullName);
        var options = new ClusterOptions { FineClusters = 16 };
        Assert.False(StageMarker.IsDone(run, "cluster", options));
        StageMarker.MarkDone(run, "cluster", options);
        Assert.True(StageMarker.IsDone(run, "cluster", options with { }));
        var error = Assert.Throws<InvalidOperationException>(() => StageMarker.IsDone(run, "cluster", options with { FineClusters = 32 }));
        Assert.Contains("other options", error.Message);
    }

    [Fact]
    public void TheClusterMarkerOfExistingRunsStaysTheSame()
    {
        // A run clustered before the nearest-center method became an option holds this marker; it must still match.
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-marker").FullName);
        StageMarker.MarkDone(run, "cluster", new ClusterOptions());
        Assert.Equal("""
            {
              "FineClusters": 64,
              "CoarseClusters": 4,
              "FineIterations": 25,
              "CoarseIterations": 100,
              "Seed": 1234,
              "Fine": {
                "K": 64,
                "Iterations": 25,
                "Metric": 1,
                "Balanced": false,
                "Init": 0,
                "MaxPointsPerCentroid": 256,
                "Tolerance": 0.001,
                "Seed": 1234
              },
              "Coarse": {
                "K": 4,
                "Iterations": 100,
                "Metric": 0,
                "Balanced": true,
                "Init": 0,
                "MaxPointsPerCentroid": 256,
                "Tolerance": 0.001,
                "Seed": 1235
              }
            }
            """, File.ReadAllText(run.Done("cluster")).TrimEnd('\n').ReplaceLineEndings("\n"));
        Assert.DoesNotContain(nameof(KMeansOptions.NearestCenter), System.Text.Json.JsonSerializer.Serialize(
            new KMeansOptions { K = 2, NearestCenter = NearestCenterMethod.Gemm }));
    }
}
