using MoDE.Eval;
using MoDE.Route;

namespace MoDE.Tests.Eval;

/// <summary>
/// The eval stage's scoring as it was before it streamed, kept as the reference of <see cref="EvalStage.Score"/>: every
/// model's whole [images x classes or captions] score matrix per task, each method's whole combined matrix, and the
/// metrics counted on whole matrices (a caption's rank read down its column). Also the "before" of the
/// retrieval-eval benchmark.
/// </summary>
public static class WholeMatrixEvaluation
{
    public static Results Score(IReadOnlyList<EvalTask> tasks, TaskFeatures[][] features, double[][][] taskWeights, double[][]?[][] queryWeights)
    {
        int n = features.Length - 2;
        var routings = RoutingOptions.All;
        var scores = features.Select(model => model.Select(f => ZeroShotClassifier.Similarities(f.Images, f.Texts)).ToArray()).ToArray();

        Dictionary<string, double> Measure(int t, float[] imageSide, float[] textSide) => tasks[t] switch
        {
            ClassificationTask c => MeasureClassification(imageSide, c.Labels, c.Prompts.Classes.Count),
            RetrievalTask r => MeasureRetrieval(imageSide, textSide, r.Images.Count, r.ImageOfCaption),
            _ => throw new InvalidOperationException(),
        };
        float[][] ExpertScores(int t) => Enumerable.Range(0, n).Select(c => scores[c][t]).ToArray();
        Results.Method Method(string name, string description, Func<int, (float[] ImageSide, float[] TextSide)> combine)
        {
            var metrics = Enumerable.Range(0, tasks.Count).Select(t => { var (i, x) = combine(t); return Measure(t, i, x); }).ToList();
            return new Results.Method(name, description, metrics.Select((m, t) => m[tasks[t].Headline]).ToArray()) { Metrics = metrics };
        }
        Results.Method Single(string name, string description, int model) => Method(name, description, t => (scores[model][t], scores[model][t]));

        var methods = new List<Results.Method>
        {
            Single("baseline", $"one model trained from scratch for the seed's and all {n} experts' steps together (equal compute)", n + 1),
            Single("single", "the seed continued on all data for the experts' steps (the paper's baseline: same schedule as one expert)", n),
        };
        var experts = Enumerable.Range(0, n).Select(c => Single($"expert {c}", $"data expert {c} alone", c)).ToList();
        methods.AddRange(experts);
        methods.Add(Method("uniform", "all experts with equal weight", t => Both(Ensemble.Combine(ExpertScores(t), Ensemble.Uniform(n)))));
        methods.Add(Method("max", "per image and class (or caption), the highest score over experts", t => Both(Ensemble.Max(ExpertScores(t)))));
        var best = Enumerable.Range(0, tasks.Count).Select(t => Enumerable.Range(0, n).MaxBy(c => experts[c].Accuracy[t])).ToArray();
        methods.Add(new Results.Method("oracle", "the best single expert for each task, chosen on the test labels: a bound on what routing could reach, not a fair method",
            Enumerable.Range(0, tasks.Count).Select(t => experts[best[t]].Accuracy[t]).ToArray())
        {
            Metrics = Enumerable.Range(0, tasks.Count).Select(t => experts[best[t]].Metrics![t]).ToList(),
        });
        for (int r = 0; r < routings.Count; r++)
        {
            var routing = routings[r];
            int index = r;
            methods.Add(Method($"MoDE ({routing.Name})", $"routed ensemble, {routing.Description}; retrieval: the corpus routes image->text, each query routes text->image", t =>
            {
                var image = Ensemble.Combine(ExpertScores(t), taskWeights[index][t]);
                return (image, queryWeights[index][t] is { } perQuery ? Ensemble.CombinePerColumn(ExpertScores(t), perQuery) : image);
            }));
        }
        return new Results(tasks.Select(t => t.Name).ToList(), methods, new Dictionary<string, double[]>(), "");
    }

    static (float[], float[]) Both(float[] scores) => (scores, scores);

    static Dictionary<string, double> MeasureClassification(float[] logits, int[] labels, int classes) => new()
    {
        [ClassificationMetrics.Top1] = TopK(logits, labels, classes, 1),
        [ClassificationMetrics.Top5] = TopK(logits, labels, classes, 5),
        [ClassificationMetrics.MeanPerClass] = MeanPerClassAccuracy(logits, labels, classes),
    };

    static double TopK(float[] logits, int[] labels, int classes, int k) =>
        labels.Length == 0 ? 0 : (double)Enumerable.Range(0, labels.Length).Count(i => Rank(logits.AsSpan(i * classes, classes), labels[i]) < k) / labels.Length;

    static double MeanPerClassAccuracy(float[] logits, int[] labels, int classes)
    {
        var correct = new int[classes];
        var total = new int[classes];
        for (int i = 0; i < labels.Length; i++)
        {
            total[labels[i]]++;
            if (Rank(logits.AsSpan(i * classes, classes), labels[i]) == 0) correct[labels[i]]++;
        }
        var present = Enumerable.Range(0, classes).Where(c => total[c] > 0).ToList();
        return present.Count == 0 ? 0 : present.Average(c => (double)correct[c] / total[c]);
    }

    static int Rank(ReadOnlySpan<float> row, int index)
    {
        float value = row[index];
        int above = 0;
        for (int j = 0; j < row.Length; j++)
            if (row[j] > value || (row[j] == value && j < index)) above++;
        return above;
    }

    static Dictionary<string, double> MeasureRetrieval(float[] imageToText, float[] textToImage, int images, int[] imageOfCaption)
    {
        int captions = imageOfCaption.Length;
        var metrics = new Dictionary<string, double>();
        var imageRank = new int[images];
        Array.Fill(imageRank, int.MaxValue);
        for (int i = 0; i < images; i++)
        {
            var row = imageToText.AsSpan(i * captions, captions);
            for (int j = 0; j < captions; j++)
                if (imageOfCaption[j] == i) imageRank[i] = Math.Min(imageRank[i], Rank(row, j));
        }
        var textRank = new int[captions];
        var column = new float[images];
        for (int j = 0; j < captions; j++)
        {
            for (int i = 0; i < images; i++) column[i] = textToImage[i * captions + j];
            textRank[j] = Rank(column, imageOfCaption[j]);
        }
        var withCaptions = Enumerable.Range(0, images).Where(i => imageRank[i] != int.MaxValue).ToList();
        foreach (int k in RetrievalMetrics.Ks)
        {
            metrics[RetrievalMetrics.ImageToText(k)] = withCaptions.Count == 0 ? 0 : (double)withCaptions.Count(i => imageRank[i] < k) / withCaptions.Count;
            metrics[RetrievalMetrics.TextToImage(k)] = captions == 0 ? 0 : (double)textRank.Count(r => r < k) / captions;
        }
        metrics[RetrievalMetrics.MeanRecallAt1] = (metrics[RetrievalMetrics.ImageToText(1)] + metrics[RetrievalMetrics.TextToImage(1)]) / 2;
        return metrics;
    }
}
