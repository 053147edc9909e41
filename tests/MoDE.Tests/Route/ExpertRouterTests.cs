using MoDE.Route;
using MoDE.Tests.Cluster;

namespace MoDE.Tests.Route;

public class ExpertRouterTests
{
    static (float[] Centers, int[] FineToCoarse) Clusters(int fine, int experts, int dimension, int seed)
    {
        var centers = KMeansTests.Blobs(fine, dimension, fine, seed);
        return (centers, Enumerable.Range(0, fine).Select(f => f % experts).ToArray());
    }

    [Theory]
    [InlineData(RoutingFormula.ReleasedCode, 3)]
    [InlineData(RoutingFormula.ReleasedCode, 40)]
    [InlineData(RoutingFormula.ReleasedCode, 300)]
    [InlineData(RoutingFormula.Paper, 3)]
    [InlineData(RoutingFormula.Paper, 40)]
    [InlineData(RoutingFormula.Paper, 300)]
    public void WeightsAreNonNegativeAndSumToOne(RoutingFormula formula, int classCount)
    {
        var (centers, parents) = Clusters(32, 4, 16, seed: 1);
        var classes = Enumerable.Range(0, classCount).Select(i => KMeansTests.Blobs(1, 16, 1, seed: 100 + i)).ToList();
        double[] w = ExpertRouter.Weights(classes, centers, parents, 4, formula);
        Assert.Equal(4, w.Length);
        Assert.All(w, x => Assert.True(x >= 0 && double.IsFinite(x)));
        Assert.Equal(1.0, w.Sum(), 9);
    }

    [Theory]
    [InlineData(RoutingFormula.ReleasedCode)]
    [InlineData(RoutingFormula.Paper)]
    public void ClassesOnOneExpertsCentersFavourThatExpert(RoutingFormula formula)
    {
        var (centers, parents) = Clusters(32, 4, 16, seed: 2);
        // Twelve classes, each exactly at a fine center of expert 2.
        var classes = Enumerable.Range(0, 32).Where(f => parents[f] == 2).Select(f => centers.AsSpan(f * 16, 16).ToArray()).ToList();
        classes.AddRange(classes.Take(4).ToList());
        double[] w = ExpertRouter.Weights(classes, centers, parents, 4, formula);
        Assert.Equal(2, Array.IndexOf(w, w.Max()));
        Assert.All(Enumerable.Range(0, 4).Where(c => c != 2), c => Assert.True(w[c] < w[2]));
    }

    [Fact]
    public void ReleasedCodeFormulaMatchesAHandComputedCase()
    {
        // Two experts, one fine center each; two classes at distances 0 and 1 from center 0 and 1.
        float[] centers = [0, 0, 1, 0];
        int[] parents = [0, 1];
        var classes = new List<float[]> { new float[] { 0, 0 }, new float[] { 1, 1 } };
        double add = Math.Exp(0.5 - Math.Sqrt(2)), mul = 5.0;
        double s0 = Math.Exp((add - 0) * mul) / 8, s1 = Math.Exp((add - 1) * mul) / 8;
        double expected0 = Math.Exp(s0) / (Math.Exp(s0) + Math.Exp(s1));
        double[] w = ExpertRouter.Weights(classes, centers, parents, 2, RoutingFormula.ReleasedCode);
        Assert.Equal(expected0, w[0], 12);
    }

    [Fact]
    public void OneHotWeightsReproduceThatExpertsLogits()
    {
        var random = new Random(3);
        var logits = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, 50).Select(_ => (float)random.NextDouble()).ToArray()).ToList();
        for (int c = 0; c < 4; c++) Assert.Equal(logits[c], Ensemble.Combine(logits, Ensemble.OneHot(4, c)));
        var uniform = Ensemble.Combine(logits, Ensemble.Uniform(4));
        Assert.Equal((logits[0][7] + logits[1][7] + logits[2][7] + logits[3][7]) / 4, uniform[7], 5);
    }
}
