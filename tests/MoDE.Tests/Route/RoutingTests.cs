using MoDE.Cluster;
using MoDE.Route;
using MoDE.Tests.Cluster;

namespace MoDE.Tests.Route;

public class RoutingTests
{
    /// <summary>32 fine centers in 16 dimensions, fine center f belonging to expert f % 4; coarse centers the normalized means.</summary>
    internal static ClusterHierarchy Hierarchy(int seed)
    {
        const int fine = 32, experts = 4, d = 16;
        var centers = KMeansTests.Blobs(fine, d, fine, seed);
        int[] parents = Enumerable.Range(0, fine).Select(f => f % experts).ToArray();
        var coarse = new float[experts * d];
        for (int f = 0; f < fine; f++)
            for (int j = 0; j < d; j++) coarse[parents[f] * d + j] += centers[f * d + j];
        KMeans.Normalize(coarse, d);
        return new ClusterHierarchy(centers, coarse, d, parents, [0]);
    }

    static float[] Row(float[] matrix, int row, int d) => matrix.AsSpan(row * d, d).ToArray();

    public static TheoryData<RoutingFormula, RoutingCenters> Routings() => new()
    {
        { RoutingFormula.ReleasedCode, RoutingCenters.Fine }, { RoutingFormula.Paper, RoutingCenters.Fine }, { RoutingFormula.Calibrated, RoutingCenters.Fine },
        { RoutingFormula.ReleasedCode, RoutingCenters.Coarse }, { RoutingFormula.Paper, RoutingCenters.Coarse }, { RoutingFormula.Calibrated, RoutingCenters.Coarse },
    };

    [Theory]
    [MemberData(nameof(Routings))]
    public void ATaskOnExpertKsCentersGivesKMostOfTheWeight(RoutingFormula formula, RoutingCenters centers)
    {
        var clusters = Hierarchy(seed: 4);
        var routing = new RoutingOptions(formula, centers);
        for (int k = 0; k < 4; k++)
        {
            // Twelve classes: on k's fine centers (each used once or twice), or on k's coarse center.
            var classes = Enumerable.Range(0, 12).Select(i => centers == RoutingCenters.Fine
                ? Row(clusters.FineCenters, (i % 8) * 4 + k, 16) : Row(clusters.CoarseCenters, k, 16)).ToArray();
            double[] w = ExpertRouter.Weights(new TaskMetadata("t", classes.Select(_ => "c").ToList(), classes), clusters, routing);
            Assert.Equal(1.0, w.Sum(), 9);
            Assert.All(w, x => Assert.True(x >= 0));
            Assert.True(w[k] > 0.5, $"{routing.Name}: expert {k} got {w[k]:F3}");
        }
    }

    [Theory]
    [MemberData(nameof(Routings))]
    public void PerQueryRoutingOfOneQueryEqualsTaskRouting(RoutingFormula formula, RoutingCenters centers)
    {
        var clusters = Hierarchy(seed: 5);
        var routing = new RoutingOptions(formula, centers);
        var queries = Enumerable.Range(0, 5).Select(i => KMeansTests.Blobs(1, 16, 1, seed: 50 + i)).ToArray();
        double[][] perQuery = ExpertRouter.PerQuery(queries, clusters, routing);
        for (int q = 0; q < queries.Length; q++)
            Assert.Equal(ExpertRouter.Weights(new TaskMetadata("one query", ["q"], [queries[q]]), clusters, routing), perQuery[q]);
    }

    [Theory]
    [MemberData(nameof(Routings))]
    public void WeightsAreNonNegativeAndSumToOneForAnyClassCount(RoutingFormula formula, RoutingCenters centers)
    {
        var clusters = Hierarchy(seed: 6);
        foreach (int count in new[] { 1, 2, 9, 10, 200, 201, 1000 })
        {
            var classes = Enumerable.Range(0, count).Select(i => KMeansTests.Blobs(1, 16, 1, seed: 1000 + i)).ToArray();
            double[] w = ExpertRouter.Weights(new TaskMetadata("t", classes.Select(_ => "c").ToList(), classes), clusters, new RoutingOptions(formula, centers));
            Assert.All(w, x => Assert.True(x >= 0 && double.IsFinite(x)));
            Assert.Equal(1.0, w.Sum(), 9);
        }
    }

    [Fact]
    public void PaperFormulaMatchesHandComputedCases()
    {
        // Two experts, one fine center each, on the x and y axes.
        float[] centers = [1, 0, 0, 1];
        int[] parents = [0, 1];
        // Two classes at distance 0 from center 0 and sqrt(2) from center 1's... nearest is center 0 for both.
        float[] a = [1, 0], b = [MathF.Sqrt(0.5f), MathF.Sqrt(0.5f)];
        double soften = Math.Exp(0.5 - Math.Sqrt(2));
        double db = Math.Sqrt(Math.Pow(1 - Math.Sqrt(0.5), 2) + 0.5); // |b - center 0| (tie with center 1: the first wins)
        double s0 = soften * (Math.Exp(0) + Math.Exp(-db * db / 0.2));
        double expected0 = Math.Exp(s0) / (Math.Exp(s0) + 1);
        double[] w = ExpertRouter.Weights([a, b], centers, parents, 2, RoutingFormula.Paper);
        Assert.Equal(expected0, w[0], 6);

        // Over 200 classes lambda becomes 0.2 / ln|L|; 300 classes on center 1 at distance 0.5.
        float[] c = [0, 1.5f];
        var many = Enumerable.Repeat(c, 300).ToList();
        double lambda = 0.2 / Math.Log(300);
        double s1 = 300 * Math.Exp(-0.25 / lambda);
        double[] w2 = ExpertRouter.Weights(many, centers, parents, 2, RoutingFormula.Paper);
        Assert.Equal(Math.Exp(s1) / (Math.Exp(s1) + 1), w2[1], 9);
    }

    [Fact]
    public void RoutingOptionsParseAndName()
    {
        Assert.Equal(new RoutingOptions(RoutingFormula.Paper, RoutingCenters.Coarse), RoutingOptions.Parse("paper,coarse"));
        Assert.Equal(new RoutingOptions(), RoutingOptions.Parse("code"));
        Assert.Equal("paper, coarse", RoutingOptions.Parse("coarse paper").Name);
        Assert.Equal(new RoutingOptions(RoutingFormula.Calibrated, RoutingCenters.Coarse), RoutingOptions.Parse("calibrated,coarse"));
        Assert.Equal(["code", "paper", "calibrated", "code, coarse", "paper, coarse", "calibrated, coarse"], RoutingOptions.All.Select(r => r.Name));
        Assert.All(RoutingOptions.All, r => Assert.Equal(r, RoutingOptions.Parse(r.Name)));
        Assert.Throws<ArgumentException>(() => RoutingOptions.Parse("softmax"));
    }

    [Fact]
    public void PerColumnWeightsReproduceExpertsAndTaskWeights()
    {
        var random = new Random(8);
        var logits = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 4 * 5).Select(_ => (float)random.NextDouble()).ToArray()).ToList();
        // the same weights in every column = task-level weights
        double[] w = [0.2, 0.5, 0.3];
        Assert.Equal(Ensemble.Combine(logits, w), Ensemble.CombinePerColumn(logits, Enumerable.Repeat(w, 5).ToList()));
        // one-hot per column: column j taken from expert j % 3
        var columns = Enumerable.Range(0, 5).Select(j => Ensemble.OneHot(3, j % 3)).ToList();
        var combined = Ensemble.CombinePerColumn(logits, columns);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 5; j++) Assert.Equal(logits[j % 3][i * 5 + j], combined[i * 5 + j]);
        Assert.Equal(logits.Select(l => l[7]).Max(), Ensemble.Max(logits)[7]);
    }
}
