using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using MoDE.Cluster;

namespace MoDE.Route;

/// <summary>
/// Why routing weighted a task's experts as it did (<c>mode route</c>): for each class its nearest fine clusters,
/// with their distance, their expert and their most characteristic caption words, and the final expert weights
/// under each routing.
/// </summary>
public sealed record RoutingExplanation(string Task, IReadOnlyList<RoutingExplanation.ClassRoute> Classes, IReadOnlyList<RoutingExplanation.Decision> Decisions)
{
    /// <summary>One fine cluster near a class.</summary>
    public sealed record Neighbour(int Fine, int Expert, double Distance, IReadOnlyList<string> Words);

    /// <summary>A class and its nearest fine clusters, nearest first.</summary>
    public sealed record ClassRoute(string Class, IReadOnlyList<Neighbour> Nearest);

    /// <summary>The expert weights one routing gives the task; <paramref name="Lambda"/> the calibrated formula's
    /// temperature (<see cref="RoutingTemperature"/>), null for the published formulas.</summary>
    public sealed record Decision(string Routing, double[] Weights, double? Lambda = null);

    /// <param name="report">The run's cluster report, for the words of each fine cluster; null to show none.</param>
    /// <param name="nearest">Fine clusters listed per class.</param>
    public static RoutingExplanation Explain(TaskMetadata task, ClusterHierarchy clusters, ClusterReport? report, IReadOnlyList<RoutingOptions> routings, int nearest = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nearest, 1, nameof(nearest));
        int d = clusters.Dimension, m = clusters.FineCount;
        var classes = task.Classes.Select((name, l) =>
        {
            var ranked = Enumerable.Range(0, m)
                .Select(s => (Fine: s, Distance: (double)TensorPrimitives.Distance(task.ClassEmbeddings[l], clusters.FineCenters.AsSpan(s * d, d))))
                .OrderBy(x => x.Distance).ThenBy(x => x.Fine).Take(nearest);
            return new ClassRoute(name, ranked.Select(x => new Neighbour(x.Fine, clusters.FineToCoarse[x.Fine], x.Distance,
                report is not null && x.Fine < report.Fine.Count ? report.Fine[x.Fine].Words : [])).ToList());
        }).ToList();
        var decisions = routings.Select(r => new Decision(r.Name, ExpertRouter.Weights(task, clusters, r), ExpertRouter.Lambda(clusters, r))).ToList();
        return new RoutingExplanation(task.Task, classes, decisions);
    }

    /// <summary>The explanation as text, with up to <paramref name="words"/> words per cluster.</summary>
    public string ToText(int words = 6)
    {
        var text = new StringBuilder();
        text.AppendLine($"task {Task}: {Classes.Count} classes");
        foreach (var c in Classes)
        {
            text.AppendLine($"  {c.Class}");
            foreach (var n in c.Nearest)
                text.AppendLine(FormattableString.Invariant(
                    $"    fine {n.Fine,4} (expert {n.Expert})  distance {n.Distance:F3}  {string.Join(' ', n.Words.Take(words))}").TrimEnd());
        }
        text.AppendLine("expert weights:");
        int experts = Decisions.Count == 0 ? 0 : Decisions[0].Weights.Length;
        text.AppendLine("  " + "routing".PadRight(20) + string.Concat(Enumerable.Range(0, experts).Select(c => $"expert {c}".PadLeft(10))));
        foreach (var decision in Decisions)
            text.AppendLine(("  " + decision.Routing.PadRight(20) +
                             string.Concat(decision.Weights.Select(w => w.ToString("F3", CultureInfo.InvariantCulture).PadLeft(10))) +
                             (decision.Lambda is { } lambda ? FormattableString.Invariant($"  (lambda {lambda:G4}: the fine centers' median margin between their nearest two experts)") : "")).TrimEnd());
        return text.ToString();
    }
}
