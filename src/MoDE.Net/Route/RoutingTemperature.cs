using System.Runtime.CompilerServices;
using MoDE.Cluster;

namespace MoDE.Route;

/// <summary>
/// The temperature lambda of <see cref="RoutingFormula.Calibrated"/>, derived from a run's own centers. The fine
/// centers stand for where captions lie: each one, as a probe, sees every expert at the squared L2 distance of that
/// expert's nearest routing center (the probe itself left out when the routing centers are the fine ones), and its
/// margin is the second-nearest expert's distance minus the nearest's: the choice a class near it would have to
/// make. lambda is the median margin, so a class with a typical margin gives its runner-up e^-1 of its winner's share,
/// at any scale of distances: scaling every center by a factor scales lambda by its square and leaves the weights
/// as they were. Margins of 0 (ties) or without a second expert are left out; with none left lambda is 1, as
/// routing then has nothing to choose between.
/// </summary>
/// <param name="Lambda">The median margin: the calibrated formula's temperature.</param>
/// <param name="Margins">Per probe, its margin (its derivation input; infinite where it sees a single expert).</param>
public sealed record RoutingTemperature(double Lambda, double[] Margins)
{
    static readonly ConditionalWeakTable<ClusterHierarchy, RoutingTemperature[]> OfRun = new();

    /// <summary>The temperature of routing by <paramref name="clusters"/>' fine or coarse centers, computed once per hierarchy.</summary>
    public static RoutingTemperature Of(ClusterHierarchy clusters, RoutingCenters kind) =>
        OfRun.GetValue(clusters, c => [.. new[] { RoutingCenters.Fine, RoutingCenters.Coarse }.Select(k =>
        {
            var (centers, expertOf) = ExpertRouter.Centers(c, k);
            return Of(c.FineCenters, centers, expertOf, probesAreCenters: k == RoutingCenters.Fine);
        })])[(int)kind];

    /// <param name="probes">The probe points, row after row.</param>
    /// <param name="centers">The routing centers, row after row, as wide as the probes.</param>
    /// <param name="expertOf">The expert each center counts for.</param>
    /// <param name="probesAreCenters">Probe i is center i, and is left out of its own distances.</param>
    public static RoutingTemperature Of(float[] probes, float[] centers, int[] expertOf, bool probesAreCenters)
    {
        int count = expertOf.Length;
        if (count == 0 || centers.Length % count != 0) throw new ArgumentException($"{centers.Length} center values for {count} centers", nameof(centers));
        int dimension = centers.Length / count, experts = expertOf.Max() + 1, probeCount = probes.Length / dimension;
        if (probesAreCenters && probeCount != count) throw new ArgumentException($"{probeCount} probes are not the {count} centers", nameof(probes));
        var margins = new double[probeCount];
        var nearest = new double[experts];
        for (int p = 0; p < probeCount; p++)
        {
            ExpertRouter.NearestPerExpert(probes.AsSpan(p * dimension, dimension), centers, expertOf, nearest, skip: probesAreCenters ? p : -1);
            Array.Sort(nearest);
            margins[p] = experts < 2 ? double.PositiveInfinity : nearest[1] - nearest[0];
        }
        var usable = margins.Where(g => g > 0 && double.IsFinite(g)).Order().ToArray();
        double lambda = usable.Length == 0 ? 1
            : usable.Length % 2 == 1 ? usable[usable.Length / 2]
            : (usable[usable.Length / 2 - 1] + usable[usable.Length / 2]) / 2;
        return new RoutingTemperature(lambda, margins);
    }
}
