using MoDE.Cluster;
using MoDE.Split;
using MoDE.Storage;
using Xunit;

namespace MoDE.Tests.Split;

/// <summary>Overlapping experts: which fine clusters lie near a coarse boundary, and what the split then writes.</summary>
public class OverlapSplitTests
{
    // Coarse centers A (0, 0), B (10, 0), C (0, 10) in 2-d.
    static ClusterHierarchy Constructed(params (float X, float Y)[] fine)
    {
        float[] coarse = [0, 0, 10, 0, 0, 10];
        float[] centers = [.. fine.SelectMany(f => new[] { f.X, f.Y })];
        int[] fineToCoarse = KMeans.Nearest(centers, coarse, 2).Assignment;
        return new ClusterHierarchy(centers, coarse, 2, fineToCoarse, [.. Enumerable.Range(0, fine.Length)]);
    }

    [Fact]
    public void A_fine_cluster_feeds_its_second_nearest_expert_exactly_when_within_one_plus_F_of_its_own()
    {
        // (4, 1): own A at sqrt(17) = 4.123, then B at sqrt(37) = 6.083 (ratio 1.475), C at sqrt(97) = 9.849.
        // (1, 4): own A, then C at ratio 1.475, B farther. (9, 1): own B at 1.414, A at 9.055 (ratio 6.4).
        var hierarchy = Constructed((4, 1), (1, 4), (9, 1));
        Assert.Equal([0, 0, 1], hierarchy.FineToCoarse);
        Assert.Equal([1, 2, -1], BoundaryClusters.SecondExpert(hierarchy, 0.48));
        Assert.Equal([-1, -1, -1], BoundaryClusters.SecondExpert(hierarchy, 0.47));
        Assert.Equal([1, 2, 0], BoundaryClusters.SecondExpert(hierarchy, 5.5));
    }

    [Fact]
    public void No_fine_cluster_is_shared_at_F_0_not_even_one_on_the_boundary()
    {
        var hierarchy = Constructed((5, 0), (5, 5), (1, 1));
        Assert.All(BoundaryClusters.SecondExpert(hierarchy, 0), s => Assert.Equal(-1, s));
        Assert.All(BoundaryClusters.SecondExpert(hierarchy, 1e-6).Take(2), s => Assert.NotEqual(-1, s));
    }

    [Fact]
    public void The_shared_fine_clusters_grow_with_F()
    {
        var random = new Random(3);
        var hierarchy = Constructed([.. Enumerable.Range(0, 200).Select(_ => (random.NextSingle() * 12 - 1, random.NextSingle() * 12 - 1))]);
        int[] previous = BoundaryClusters.SecondExpert(hierarchy, 0.05);
        foreach (double f in new[] { 0.1, 0.3, 1, 3 })
        {
            int[] next = BoundaryClusters.SecondExpert(hierarchy, f);
            for (int i = 0; i < next.Length; i++)
            {
                if (previous[i] >= 0) Assert.Equal(previous[i], next[i]);
                Assert.NotEqual(hierarchy.FineToCoarse[i], next[i]);
            }
            Assert.True(next.Count(s => s >= 0) > previous.Count(s => s >= 0), $"F {f} shares no more fine clusters");
            previous = next;
        }
    }

    [Fact]
    public void Overlap_0_writes_the_disjoint_split_byte_for_byte()
    {
        var disjoint = SplitRun.Copy("mode-overlap-0");
        var again = SplitRun.Copy("mode-overlap-0-again");
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(again.SplitReport)!)) File.Delete(file);
        SplitStage.Run(again, new SplitOptions { Overlap = 0 }, new StringWriter());
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(disjoint.SplitReport)!))
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(again.SplitReport)!, Path.GetFileName(file))));
        Assert.DoesNotContain("Overlap", File.ReadAllText(again.Done("split")));
        Assert.DoesNotContain("Shared", File.ReadAllText(again.SplitReport));
    }

    [Fact]
    public void With_overlap_an_expert_adds_exactly_the_pairs_of_the_fine_clusters_it_shares_and_its_pool_is_the_rest()
    {
        var disjoint = ExpertData.Load(SplitRun.Copy("mode-overlap-disjoint"));
        var run = SplitRun.Copy("mode-overlap");
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(run.SplitReport)!)) File.Delete(file);
        var log = new StringWriter();
        SplitStage.Run(run, new SplitOptions { Overlap = 1e6 }, log);
        var hierarchy = ClusterHierarchy.Load(run);
        int[] second = BoundaryClusters.SecondExpert(hierarchy, 1e6);
        int[] pairRows = Npy.ReadVector(run.EmbeddedPairs);
        var report = ExpertData.ReadReport(run);
        var overlapping = ExpertData.Load(run);
        Assert.Equal(hierarchy.FineCount, report.SharedFineClusters!.Sum());
        Assert.Contains($"{hierarchy.FineCount} near a coarse boundary", log.ToString());
        foreach (var expert in overlapping)
        {
            int c = expert.Expert;
            int[] shared = [.. pairRows.Where((_, i) => second[hierarchy.FineAssignment[i]] == c)];
            Assert.Equal(disjoint[c].Rows.Concat(shared).Order(), expert.Rows.Order());
            Assert.Equal(shared.Length, report.SharedPairs![c]);
            Assert.Empty(expert.Rows.Intersect(expert.OutOfClusterRows));
            Assert.Equal(pairRows.Order(), expert.Rows.Union(expert.OutOfClusterRows).Order());
        }
    }
}
