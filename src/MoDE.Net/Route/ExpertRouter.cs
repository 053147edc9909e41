using MoDE.Cluster;

namespace MoDE.Route;

/// <summary>Which formula turns class-to-center distances into expert weights (MODE-SPEC step 6).</summary>
public enum RoutingFormula
{
    /// <summary>The released MoDE code: nearest fine center per class, exp((add - d) * mul), softmax(score / 8).</summary>
    ReleasedCode,
    /// <summary>The paper: A(l,s) = exp(-||e_l - e_s||^2 / lambda) with the max filter, p(c|T) = softmax(sum of A).</summary>
    Paper,
}

/// <summary>
/// Weights of the data experts for a task, from the task's class embeddings and the fine centers of each
/// expert's clusters. Weights are non-negative and sum to 1; every expert gets one (no top-k).
/// </summary>
public static class ExpertRouter
{
    /// <summary>The paper's temperature lambda.</summary>
    public const double PaperLambda = 0.2;

    public static double[] Weights(TaskMetadata task, ClusterHierarchy clusters, RoutingFormula formula) =>
        Weights(task.ClassEmbeddings, clusters.FineCenters, clusters.FineToCoarse, clusters.CoarseCount, formula);

    public static double[] Weights(IReadOnlyList<float[]> classes, float[] fineCenters, int[] fineToCoarse, int experts, RoutingFormula formula)
    {
        if (classes.Count == 0) throw new ArgumentException("a task needs at least one class", nameof(classes));
        int dimension = classes[0].Length, classCount = classes.Count;
        // For each class: the nearest fine center (the "max filter") and its distance.
        var nearest = new int[classCount];
        var distance = new double[classCount];
        for (int l = 0; l < classCount; l++)
        {
            double best = double.PositiveInfinity;
            for (int s = 0; s < fineToCoarse.Length; s++)
            {
                double d = System.Numerics.Tensors.TensorPrimitives.Distance(classes[l], fineCenters.AsSpan(s * dimension, dimension));
                if (d < best) { best = d; nearest[l] = s; }
            }
            distance[l] = best;
        }
        var score = new double[experts];
        switch (formula)
        {
            case RoutingFormula.ReleasedCode:
            {
                // add softens tasks with few classes; mul sharpens tasks with many (both from the released code).
                double add = classCount < 10 ? Math.Exp(0.5 - Math.Sqrt(classCount)) : 0;
                double mul = 5.0 * Math.Log10(Math.Max(10, classCount - 200));
                for (int l = 0; l < classCount; l++) score[fineToCoarse[nearest[l]]] += Math.Exp((add - distance[l]) * mul);
                for (int c = 0; c < experts; c++) score[c] /= 8.0;
                break;
            }
            case RoutingFormula.Paper:
            {
                double lambda = classCount > 200 ? PaperLambda / Math.Log(classCount) : PaperLambda;
                double soften = classCount < 10 ? Math.Exp(0.5 - Math.Sqrt(classCount)) : 1;
                for (int l = 0; l < classCount; l++)
                    score[fineToCoarse[nearest[l]]] += soften * Math.Exp(-distance[l] * distance[l] / lambda);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(formula), formula, null);
        }
        return Softmax(score);
    }

    static double[] Softmax(double[] scores)
    {
        double max = scores.Max();
        var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
        double sum = weights.Sum();
        return weights.Select(w => w / sum).ToArray();
    }
}
