namespace MoDE.Eval;

/// <summary>
/// Zero-shot classification metrics from a [images x classes] logit matrix: top-1 and top-5 accuracy, and mean
/// per-class accuracy (top-1 within each class that has images, averaged over those classes). Ties rank the
/// lower class index first, as <c>argmax</c> does. Every metric is read from the rank of each image's label
/// (<see cref="RankLabels"/>), which needs only that image's row: the eval stage ranks block after block of rows.
/// </summary>
public static class ClassificationMetrics
{
    public const string Top1 = "top-1";
    public const string Top5 = "top-5";
    public const string MeanPerClass = "mean per-class";

    public static Dictionary<string, double> Measure(float[] logits, int[] labels, int classes) => Measure(LabelRanks(logits, labels, classes), labels, classes);

    /// <param name="ranks">Per image, how many classes rank above its label (<see cref="RankLabels"/>).</param>
    public static Dictionary<string, double> Measure(int[] ranks, int[] labels, int classes) => new()
    {
        [Top1] = TopK(ranks, 1),
        [Top5] = TopK(ranks, 5),
        [MeanPerClass] = MeanPerClassAccuracy(ranks, labels, classes),
    };

    /// <summary>Share of images whose label is among their <paramref name="k"/> highest logits.</summary>
    public static double TopK(float[] logits, int[] labels, int classes, int k) => TopK(LabelRanks(logits, labels, classes), k);

    static double TopK(int[] ranks, int k) => ranks.Length == 0 ? 0 : (double)ranks.Count(r => r < k) / ranks.Length;

    public static double MeanPerClassAccuracy(float[] logits, int[] labels, int classes) => MeanPerClassAccuracy(LabelRanks(logits, labels, classes), labels, classes);

    static double MeanPerClassAccuracy(int[] ranks, int[] labels, int classes)
    {
        var correct = new int[classes];
        var total = new int[classes];
        for (int i = 0; i < labels.Length; i++)
        {
            total[labels[i]]++;
            if (ranks[i] == 0) correct[labels[i]]++;
        }
        var present = Enumerable.Range(0, classes).Where(c => total[c] > 0).ToList();
        return present.Count == 0 ? 0 : present.Average(c => (double)correct[c] / total[c]);
    }

    static int[] LabelRanks(float[] logits, int[] labels, int classes)
    {
        if (logits.Length != (long)labels.Length * classes)
            throw new ArgumentException($"{logits.Length} logits for {labels.Length} images x {classes} classes", nameof(logits));
        var ranks = new int[labels.Length];
        RankLabels(logits, classes, labels, ranks);
        return ranks;
    }

    /// <summary>The <see cref="Rank"/> of each row's label, for a block of rows: <paramref name="logits"/> holds
    /// [rows x classes], <paramref name="labels"/> and <paramref name="ranks"/> those rows' entries.</summary>
    public static void RankLabels(ReadOnlySpan<float> logits, int classes, ReadOnlySpan<int> labels, Span<int> ranks)
    {
        for (int i = 0; i < labels.Length; i++) ranks[i] = Rank(logits.Slice(i * classes, classes), labels[i]);
    }

    /// <summary>How many entries rank above <paramref name="index"/>: greater, or equal at a lower index.</summary>
    internal static int Rank(ReadOnlySpan<float> row, int index)
    {
        float value = row[index];
        int above = 0;
        for (int j = 0; j < row.Length; j++)
            if (row[j] > value || (row[j] == value && j < index)) above++;
        return above;
    }
}
