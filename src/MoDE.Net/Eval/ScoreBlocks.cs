namespace MoDE.Eval;

/// <summary>
/// How a method scores a block of rows from every model's scores of that block (experts first, then the single
/// model, then the baseline): one of them as it is, or a combination written into <c>buffer</c> (as long as each) and returned.
/// </summary>
public delegate float[] BlockScoring(float[][] models, float[] buffer);

/// <summary>
/// Every method's metrics on one task, from each model's <see cref="TaskFeatures"/>, one block of image rows at a
/// time: each model's scores of the block (<see cref="ZeroShotClassifier.Similarities(float[][], int, float[][], float[])"/>),
/// each method's combination of them, then its rank counters (<see cref="ClassificationMetrics.RankLabels"/>,
/// <see cref="RetrievalRanks"/>). Memory holds a block per model and two for the method being counted, never a task's
/// whole [images x classes or captions] matrix; the metrics are those of the whole matrices, to the last bit, as
/// every value is computed by the same operations.
/// </summary>
public static class ScoreBlocks
{
    /// <summary>Scores per model and block: 4 MiB of floats, so a block of the 25,000 captions of COCO's test set is 41 images.</summary>
    public const int DefaultBlockValues = 1 << 20;

    /// <param name="models">Each model's features of <paramref name="task"/>.</param>
    /// <param name="methods">Per method, its image side (classification; image-to-text retrieval) and, when it
    /// differs, its text side (text-to-image retrieval).</param>
    /// <param name="stop">Honoured between blocks.</param>
    /// <returns>Per method, every metric of the task.</returns>
    public static List<Dictionary<string, double>> Measure(EvalTask task, IReadOnlyList<TaskFeatures> models,
                                                           IReadOnlyList<(BlockScoring Image, BlockScoring? Text)> methods, int blockValues = DefaultBlockValues,
                                                           CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockValues, 1, nameof(blockValues));
        int images = task.Images.Count, columns = models[0].Texts.Length;
        if (models.FirstOrDefault(m => m.Images.Length != images || m.Texts.Length != columns) is { } other)
            throw new ArgumentException($"task {task.Name}: features of {other.Images.Length} images x {other.Texts.Length} texts, expected {images} x {columns}", nameof(models));
        var model = models.ToArray();
        var labels = (task as ClassificationTask)?.Labels;
        var labelRanks = labels is null ? null : methods.Select(_ => new int[images]).ToArray();
        float[][]? own = null;
        int[][]? captionsOf = null;
        RetrievalRanks[]? retrievalRanks = null;
        if (task is RetrievalTask retrieval)
        {
            // Each caption's score with its own image, per model, then per method: what the text side ranks against.
            var imageOf = retrieval.ImageOfCaption;
            own = model.Select(m => imageOf.Select((i, j) => System.Numerics.Tensors.TensorPrimitives.Dot(m.Images[i], m.Texts[j])).ToArray()).ToArray();
            captionsOf = RetrievalRanks.CaptionsOf(images, imageOf);
            retrievalRanks = methods.Select(m => new RetrievalRanks(images, imageOf, (m.Text ?? m.Image)(own, new float[columns]))).ToArray();
        }
        else if (labels is null) throw new ArgumentException($"task {task.Name}: unknown kind {task.GetType().Name}", nameof(task));

        int rowsPerBlock = Math.Max(1, blockValues / Math.Max(1, columns));
        float[][] blocks = [];
        float[] imageBuffer = [], textBuffer = [];
        for (int first = 0; first < images; first += rowsPerBlock)
        {
            stop.ThrowIfCancellationRequested();
            int rows = Math.Min(rowsPerBlock, images - first), length = rows * columns;
            if (blocks.Length == 0 || imageBuffer.Length != length)
            {
                blocks = model.Select(_ => new float[length]).ToArray();
                (imageBuffer, textBuffer) = (new float[length], new float[length]);
            }
            for (int m = 0; m < model.Length; m++)
            {
                ZeroShotClassifier.Similarities(model[m].Images, first, model[m].Texts, blocks[m]);
                // an own pair's score is the very float its caption ranks against, however the dot product rounds
                if (own is not null)
                    for (int r = 0; r < rows; r++)
                        foreach (int j in captionsOf![first + r]) blocks[m][r * columns + j] = own[m][j];
            }
            for (int k = 0; k < methods.Count; k++)
            {
                var image = methods[k].Image(blocks, imageBuffer);
                if (labelRanks is not null) ClassificationMetrics.RankLabels(image, columns, labels.AsSpan(first, rows), labelRanks[k].AsSpan(first, rows));
                else retrievalRanks![k].Add(first, image, methods[k].Text is { } text ? text(blocks, textBuffer) : image);
            }
        }
        return Enumerable.Range(0, methods.Count)
            .Select(k => labelRanks is not null ? ClassificationMetrics.Measure(labelRanks[k], labels!, columns) : retrievalRanks![k].Metrics()).ToList();
    }
}
