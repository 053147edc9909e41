using System.Numerics.Tensors;
using MoDE.Cluster;

namespace MoDE.Route;

/// <summary>Which formula turns class-to-center distances into expert weights (the MoDE paper's and the released code's, MetaCLIP <c>apps/mode/</c>).</summary>
public enum RoutingFormula
{
    /// <summary>The released MoDE code: nearest fine center per class, exp((add - d) * mul), softmax(score / 8).</summary>
    ReleasedCode,
    /// <summary>The paper: A(l,s) = exp(-||e_l - e_s||^2 / lambda) with the max filter, p(c|T) = softmax(sum of A).</summary>
    Paper,
    /// <summary>MoDE.NET's: per class, a softmax over experts of -D(l,k) / lambda, D(l,k) the squared L2 distance to expert
    /// k's nearest center, lambda the median margin between the nearest two experts seen from the run's fine centers
    /// (<see cref="RoutingTemperature"/>); weights = the mean over classes.</summary>
    Calibrated,
}

/// <summary>
/// Weights of the data experts for a task, from the task's class embeddings and the centers of each expert's
/// clusters. Weights are non-negative and sum to 1; every expert gets one (no top-k).
/// </summary>
public static class ExpertRouter
{
    /// <summary>The paper's temperature lambda.</summary>
    public const double PaperLambda = 0.2;

    /// <summary>Tasks with fewer classes are softened by exp(<see cref="SoftenOffset"/> - sqrt|L|) (both formulas).</summary>
    public const int FewClasses = 10;

    /// <summary>The offset of the few-class factor exp(0.5 - sqrt|L|).</summary>
    public const double SoftenOffset = 0.5;

    /// <summary>Tasks with more classes are sharpened: the released code's mul = 5 log10(max(10, |L| - 200)), the
    /// paper's lambda / ln|L|.</summary>
    public const int ManyClasses = 200;

    /// <summary>The released code's sharpness factor 5 in mul.</summary>
    public const double ReleasedSharpness = 5.0;

    /// <summary>The released code's softmax temperature: softmax(score / 8).</summary>
    public const double ReleasedTemperature = 8.0;

    public static double[] Weights(TaskMetadata task, ClusterHierarchy clusters, RoutingFormula formula) =>
        Weights(task, clusters, new RoutingOptions(formula));

    public static double[] Weights(TaskMetadata task, ClusterHierarchy clusters, RoutingOptions routing)
    {
        var (centers, expertOf) = Centers(clusters, routing.Centers);
        return Weights(task.ClassEmbeddings, centers, expertOf, clusters.CoarseCount, routing.Formula, Lambda(clusters, routing));
    }

    /// <summary>The calibrated formula's lambda for <paramref name="routing"/>'s centers (null for the published formulas).</summary>
    public static double? Lambda(ClusterHierarchy clusters, RoutingOptions routing) =>
        routing.Formula == RoutingFormula.Calibrated ? RoutingTemperature.Of(clusters, routing.Centers).Lambda : null;

    /// <summary>
    /// Per-query routing (text-to-image retrieval in the MoDE paper): each query is routed on its own, as a task
    /// whose only class is that query. Row q holds query q's expert weights.
    /// </summary>
    public static double[][] PerQuery(IReadOnlyList<float[]> queries, ClusterHierarchy clusters, RoutingOptions routing)
    {
        var (centers, expertOf) = Centers(clusters, routing.Centers);
        double? lambda = Lambda(clusters, routing);
        return queries.Select(q => Weights([q], centers, expertOf, clusters.CoarseCount, routing.Formula, lambda)).ToArray();
    }

    /// <summary>The centers compared with class embeddings, and the expert each one counts for.</summary>
    public static (float[] Centers, int[] ExpertOf) Centers(ClusterHierarchy clusters, RoutingCenters kind) => kind switch
    {
        RoutingCenters.Fine => (clusters.FineCenters, clusters.FineToCoarse),
        RoutingCenters.Coarse => (clusters.CoarseCenters, Enumerable.Range(0, clusters.CoarseCount).ToArray()),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <param name="classes">One unit embedding per class.</param>
    /// <param name="centers">The centers, row after row, each <c>classes[0].Length</c> wide.</param>
    /// <param name="expertOf">The expert (coarse cluster) each center counts for.</param>
    /// <param name="calibratedLambda">The calibrated formula's temperature (<see cref="RoutingTemperature"/>); only it needs one.</param>
    public static double[] Weights(IReadOnlyList<float[]> classes, float[] centers, int[] expertOf, int experts, RoutingFormula formula, double? calibratedLambda = null)
    {
        if (classes.Count == 0) throw new ArgumentException("a task needs at least one class", nameof(classes));
        int dimension = classes[0].Length, classCount = classes.Count;
        if (centers.Length != expertOf.Length * dimension)
            throw new ArgumentException($"{centers.Length} center values for {expertOf.Length} centers of {dimension} dimensions", nameof(centers));
        if (formula == RoutingFormula.Calibrated)
            return Calibrated(classes, centers, expertOf, experts,
                calibratedLambda ?? throw new ArgumentException("the calibrated formula needs its lambda (RoutingTemperature)", nameof(calibratedLambda)));
        // For each class: the nearest center (the "max filter") and its distance.
        var nearest = new int[classCount];
        var distance = new double[classCount];
        for (int l = 0; l < classCount; l++) (nearest[l], distance[l]) = Nearest(classes[l], centers, expertOf.Length);
        var score = new double[experts];
        switch (formula)
        {
            case RoutingFormula.ReleasedCode:
            {
                // add softens tasks with few classes; mul sharpens tasks with many (both from the released code).
                double add = classCount < FewClasses ? Math.Exp(SoftenOffset - Math.Sqrt(classCount)) : 0;
                double mul = ReleasedSharpness * Math.Log10(Math.Max(10, classCount - ManyClasses));
                for (int l = 0; l < classCount; l++) score[expertOf[nearest[l]]] += Math.Exp((add - distance[l]) * mul);
                for (int c = 0; c < experts; c++) score[c] /= ReleasedTemperature;
                break;
            }
            case RoutingFormula.Paper:
            {
                // lambda / log|L| over 200 classes; the factor exp(0.5 - sqrt|L|) softens tasks under 10 classes.
                double lambda = classCount > ManyClasses ? PaperLambda / Math.Log(classCount) : PaperLambda;
                double soften = classCount < FewClasses ? Math.Exp(SoftenOffset - Math.Sqrt(classCount)) : 1;
                for (int l = 0; l < classCount; l++)
                    score[expertOf[nearest[l]]] += soften * Math.Exp(-distance[l] * distance[l] / lambda);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(formula), formula, null);
        }
        return Softmax(score);
    }

    /// <summary>
    /// p(k|l) = softmax over experts of -D(l,k) / lambda, D(l,k) the squared distance from class l to expert k's nearest
    /// center (the paper's max filter, per expert); the task's weights are the mean of p(.|l) over its classes. Each
    /// class's evidence is bounded, so no class-count adjustment is needed.
    /// </summary>
    static double[] Calibrated(IReadOnlyList<float[]> classes, float[] centers, int[] expertOf, int experts, double lambda)
    {
        var weights = new double[experts];
        var squared = new double[experts];
        foreach (var point in classes)
        {
            NearestPerExpert(point, centers, expertOf, squared);
            var p = Softmax(squared.Select(x => -x / lambda).ToArray());
            for (int k = 0; k < experts; k++) weights[k] += p[k];
        }
        return weights.Select(w => w / classes.Count).ToArray();
    }

    /// <summary>Fills <paramref name="nearest"/>[k] with the squared L2 distance from <paramref name="point"/> to expert
    /// k's nearest center (infinity for an expert without one), leaving out center <paramref name="skip"/>.</summary>
    internal static void NearestPerExpert(ReadOnlySpan<float> point, float[] centers, int[] expertOf, Span<double> nearest, int skip = -1)
    {
        int dimension = point.Length;
        nearest.Fill(double.PositiveInfinity);
        for (int s = 0; s < expertOf.Length; s++)
        {
            if (s == skip) continue;
            double d = TensorPrimitives.Distance(point, centers.AsSpan(s * dimension, dimension));
            nearest[expertOf[s]] = Math.Min(nearest[expertOf[s]], d * d);
        }
    }

    /// <summary>The nearest of <paramref name="count"/> centers to <paramref name="point"/> and its L2 distance.</summary>
    static (int Index, double Distance) Nearest(float[] point, float[] centers, int count)
    {
        int dimension = point.Length, best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int s = 0; s < count; s++)
        {
            double d = TensorPrimitives.Distance(point, centers.AsSpan(s * dimension, dimension));
            if (d < bestDistance) { bestDistance = d; best = s; }
        }
        return (best, bestDistance);
    }

    static double[] Softmax(double[] scores)
    {
        double max = scores.Max();
        var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
        double sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }
}
