using MoDE.Cluster;
using MoDE.Route;

namespace MoDE.Tests.Route;

/// <summary>The calibrated formula: its temperature from the run's own centers, and weights that do not depend on the scale of distances.</summary>
public class CalibratedRoutingTests
{
    [Fact]
    public void LambdaIsTheMedianMarginBetweenTheNearestTwoExpertsSeenFromEachProbe()
    {
        // One dimension: centers at 0 and 1 (expert 0), 3 and 6 (expert 1). Each center, itself left out, sees
        // expert 0 / expert 1 at squared distances 1 / 9, 1 / 4, 4 / 9, 25 / 9: margins 8, 3, 5, 16, median 6.5.
        float[] centers = [0, 1, 3, 6];
        int[] expertOf = [0, 0, 1, 1];
        var fine = RoutingTemperature.Of(centers, centers, expertOf, probesAreCenters: true);
        Assert.Equal([8, 3, 5, 16], fine.Margins);
        Assert.Equal(6.5, fine.Lambda);

        // Probes 0, 1, 2, 3, 6 against one center per expert (0 and 4): margins 16, 8, 0 (a tie, left out), 8, 32.
        var coarse = RoutingTemperature.Of([0, 1, 2, 3, 6], [0, 4], [0, 1], probesAreCenters: false);
        Assert.Equal([16, 8, 0, 8, 32], coarse.Margins);
        Assert.Equal(12, coarse.Lambda);

        // A class at 1 sees the experts at 1 and 9: p(expert 0) = 1 / (1 + e^(-8 / 12)).
        double[] w = ExpertRouter.Weights([[1f]], [0, 4], [0, 1], 2, RoutingFormula.Calibrated, coarse.Lambda);
        Assert.Equal(1 / (1 + Math.Exp(-8.0 / 12)), w[0], 12);
        Assert.Throws<ArgumentException>(() => ExpertRouter.Weights([[1f]], [0, 4], [0, 1], 2, RoutingFormula.Calibrated));
    }

    /// <summary>
    /// Classes near expert k's fine centers, in clustered synthetic centers; then the same geometry with every
    /// distance 16 times larger (a caption encoder that spreads its embeddings more). The calibrated formula gives the
    /// same sharp weights at both scales; the published constants, tuned for one encoder's distances, fall to uniform.
    /// </summary>
    [Theory]
    [InlineData(RoutingCenters.Fine)]
    [InlineData(RoutingCenters.Coarse)]
    public void CalibratedWeightsAreSharpAndDoNotDependOnTheScaleOfDistances(RoutingCenters kind)
    {
        const int d = 16, experts = 4;
        var clusters = RoutingTests.Hierarchy(seed: 4);
        static float[] Scale(float[] values, float factor) => values.Select(v => v * factor).ToArray();
        // 16 is a power of two: every scaled distance is exactly 16 times the original, every squared one 256 times.
        var wide = new ClusterHierarchy(Scale(clusters.FineCenters, 16), Scale(clusters.CoarseCenters, 16), d, clusters.FineToCoarse, [0]);
        var random = new Random(9);
        double lambda = RoutingTemperature.Of(clusters, kind).Lambda;
        Assert.Equal(256 * lambda, RoutingTemperature.Of(wide, kind).Lambda, 12);
        for (int k = 0; k < experts; k++)
        {
            // Ten classes, each near one of expert k's fine centers (fine center f belongs to expert f % 4), or near its coarse center.
            var classes = Enumerable.Range(0, 10).Select(i =>
            {
                var c = (kind == RoutingCenters.Fine ? clusters.FineCenters.AsSpan(((i % 8) * experts + k) * d, d) : clusters.CoarseCenters.AsSpan(k * d, d)).ToArray().Select(v => v + (float)(0.05 * (random.NextDouble() * 2 - 1))).ToArray();
                KMeans.Normalize(c, d);
                return c;
            }).ToArray();
            var task = new TaskMetadata("t", classes.Select(_ => "c").ToList(), classes);
            var wideTask = new TaskMetadata("t", classes.Select(_ => "c").ToList(), classes.Select(c => Scale(c, 16)).ToArray());
            double[] w = ExpertRouter.Weights(task, clusters, new RoutingOptions(RoutingFormula.Calibrated, kind));
            Assert.True(w[k] > 0.5 && w.Max() == w[k], $"{kind}: expert {k} got {w[k]:F3}");
            double[] wideW = ExpertRouter.Weights(wideTask, wide, new RoutingOptions(RoutingFormula.Calibrated, kind));
            for (int c = 0; c < experts; c++) Assert.Equal(w[c], wideW[c], 12);
            foreach (var published in new[] { RoutingFormula.ReleasedCode, RoutingFormula.Paper })
                Assert.True(ExpertRouter.Weights(wideTask, wide, new RoutingOptions(published, kind)).Max() < 0.26, $"{published} stays sharp at 16x the distances");
        }
    }
}
