using System.Numerics.Tensors;
using MoDE.Cluster;

namespace MoDE.Split;

/// <summary>
/// The fine clusters near a coarse boundary, which overlapping experts share (<see cref="SplitOptions.Overlap"/>).
/// Each fine center goes to its nearest coarse center (MoDE, coarse clustering step); fine cluster f, owned by expert
/// c = FineToCoarse[f], is near the boundary of the expert s whose coarse center is its nearest other than c when
/// ||f - C_s|| &lt;= (1 + F) ||f - C_c||, euclidean distances on the fine and coarse centers.
/// </summary>
public static class BoundaryClusters
{
    /// <summary>
    /// For each fine cluster, the second expert its pairs also feed, or -1 when it is not near a boundary (every one
    /// when <paramref name="overlap"/> is 0). The second-nearest coarse center breaks ties by the lower index.
    /// </summary>
    public static int[] SecondExpert(ClusterHierarchy hierarchy, double overlap)
    {
        int d = hierarchy.Dimension, n = hierarchy.CoarseCount;
        var second = Enumerable.Repeat(-1, hierarchy.FineCount).ToArray();
        if (overlap == 0 || n < 2) return second;
        for (int f = 0; f < second.Length; f++)
        {
            var center = hierarchy.FineCenters.AsSpan(f * d, d);
            int own = hierarchy.FineToCoarse[f], nearest = -1;
            double ownDistance = TensorPrimitives.Distance(center, hierarchy.CoarseCenters.AsSpan(own * d, d)), nearestDistance = double.PositiveInfinity;
            for (int c = 0; c < n; c++)
            {
                if (c == own) continue;
                double distance = TensorPrimitives.Distance(center, hierarchy.CoarseCenters.AsSpan(c * d, d));
                if (distance < nearestDistance) (nearest, nearestDistance) = (c, distance);
            }
            if (nearestDistance <= (1 + overlap) * ownDistance) second[f] = nearest;
        }
        return second;
    }
}
