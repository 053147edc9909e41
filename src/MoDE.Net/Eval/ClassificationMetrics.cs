namespace MoDE.Eval;

/// <summary>
/// Zero-shot classification metrics from a [images x classes] logit matrix: top-1 and top-5 accuracy, and mean
/// per-class accuracy (top-1 within each class that has images, averaged over those classes). Ties rank the
/// lower class index first, as <c>argmax</c> does.
/// </summary>
public static class ClassificationMetrics
{
    public const string Top1 = "top-1";
    public const string Top5 = "top-5";
    public const string MeanPerClass = "mean per-class";

    public static Dictionary<string, double> Measure(float[] logits, int[] labels, int classes) => new()
    {
        [Top1] = TopK(logits, labels, classes, 1),
        [Top5] = TopK(logits, labels, classes, 5),
        [MeanPerClass] = MeanPerClassAccuracy(logits, labels, classes),
    };

    /// <summary>Share of images whose label is among their <paramref name="k"/> highest logits.</summary>
    public static double TopK(float[] logits, int[] labels, int classes, int k)
    {
        CheckShape(logits, labels, classes);
        if (labels.Length == 0) return 0;
        return (double)Enumerable.Range(0, labels.Length).Count(i => Rank(logits.AsSpan(i * classes, classes), labels[i]) < k) / labels.Length;
    }

    public static double MeanPerClassAccuracy(float[] logits, int[] labels, int classes)
    {
        CheckShape(logits, labels, classes);
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

    /// <summary>How many entries rank above <paramref name="index"/>: greater, or equal at a lower index.</summary>
    internal static int Rank(ReadOnlySpan<float> row, int index)
    {
        float value = row[index];
        int above = 0;
        for (int j = 0; j < row.Length; j++)
            if (row[j] > value || (row[j] == value && j < index)) above++;
        return above;
    }

    static void CheckShape(float[] logits, int[] labels, int classes)
    {
        if (logits.Length != (long)labels.Length * classes)
            throw new ArgumentException($"{logits.Length} logits for {labels.Length} images x {classes} classes", nameof(logits));
    }
}
