using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Tests.Storage;

public class StageMarkerTests
{
    [Fact]
    public void AStageWhoseInputIsMissingSaysWhichStageToRunFirst()
    {
        var run = new RunLayout(Directory.CreateTempSubdirectory("mode-marker").FullName);
        var error = Assert.Throws<InvalidOperationException>(() => ClusterStage.Run(run, new ClusterOptions(), TextWriter.Null));
        Assert.Contains("needs stage 'embed'", error.Message);
        Assert.Contains("mode embed", error.Message);
    }

    [Fact]
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
}
