using MoDE.Cluster;

namespace MoDE.Tests.Cluster;

public class ClusterHierarchyTests
{
    [Fact]
    public void EveryFineClusterHasExactlyOneCoarseParentAndEveryCaptionAFineCluster()
    {
        var points = KMeansTests.Blobs(1500, 12, 8, seed: 21);
        var options = new ClusterOptions { FineClusters = 24, CoarseClusters = 4, FineIterations = 10, CoarseIterations = 20 };
        var h = ClusterHierarchy.Fit(points, 12, options);
        Assert.Equal(24, h.FineToCoarse.Length);
        Assert.All(h.FineToCoarse, c => Assert.InRange(c, 0, 3));
        Assert.Equal(1500, h.FineAssignment.Length);
        Assert.All(h.FineAssignment, f => Assert.InRange(f, 0, 23));
        // Each fine cluster goes to its nearest coarse center.
        for (int f = 0; f < 24; f++)
        {
            var fine = h.FineCenters.AsSpan(f * 12, 12).ToArray();
            double Distance(int c) => System.Numerics.Tensors.TensorPrimitives.Distance(fine, h.CoarseCenters.AsSpan(c * 12, 12));
            Assert.All(Enumerable.Range(0, 4), c => Assert.True(Distance(h.FineToCoarse[f]) <= Distance(c) + 1e-6));
        }
        // The expert of a caption is its fine cluster's parent.
        int[] experts = h.ExpertOfCaption();
        Assert.All(Enumerable.Range(0, 1500), i => Assert.Equal(h.FineToCoarse[h.FineAssignment[i]], experts[i]));
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void FewerFineThanCoarseClustersIsAnErrorNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterOptions { FineClusters = 2, CoarseClusters = 4 }.Validate());
        Assert.Equal("FineClusters", error.ParamName);
    }

    [Fact]
    public void SavedHierarchyCarriesAFormatVersionAndExpertSizes()
    {
        var points = KMeansTests.Blobs(800, 8, 6, seed: 22);
        var h = ClusterHierarchy.Fit(points, 8, new ClusterOptions { FineClusters = 12, CoarseClusters = 3, FineIterations = 5, CoarseIterations = 10 });
        var run = new MoDE.Storage.RunLayout(Directory.CreateTempSubdirectory("mode-hierarchy").FullName);
        h.Save(run);
        var loaded = ClusterHierarchy.Load(run);
        Assert.Equal(h.FineAssignment, loaded.FineAssignment);
        Assert.Equal(h.FineToCoarse, loaded.FineToCoarse);
        Assert.Equal(h.CoarseCenters, loaded.CoarseCenters);
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(run.Hierarchy)).RootElement;
        Assert.Equal(ClusterHierarchy.CurrentFormatVersion, json.GetProperty("format_version").GetInt32());
        Assert.Equal(800, json.GetProperty("expert_captions").EnumerateArray().Sum(e => e.GetInt32()));
        Assert.Equal(h.ExpertSizes(), json.GetProperty("expert_captions").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(12, json.GetProperty("expert_fine_clusters").EnumerateArray().Sum(e => e.GetInt32()));

        File.WriteAllText(run.Hierarchy, File.ReadAllText(run.Hierarchy).Replace("\"format_version\": 1", "\"format_version\": 99"));
        Assert.Contains("format version 99", Assert.Throws<InvalidDataException>(() => ClusterHierarchy.Load(run)).Message);
        File.Delete(run.Hierarchy);
        Assert.Contains("mode cluster", Assert.Throws<InvalidDataException>(() => ClusterHierarchy.Load(run)).Message);
    }
}
