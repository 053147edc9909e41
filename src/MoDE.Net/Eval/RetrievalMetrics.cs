namespace MoDE.Eval;

/// <summary>
/// Retrieval metrics from [images x captions] similarity matrices. Image to text, Recall@k: the share of images
/// with at least one of their captions among their k most similar captions. Text to image, Recall@k: the share of
/// captions whose image is among their k most similar images. Ties rank the lower index first.
/// </summary>
public static class RetrievalMetrics
{
    public const string MeanRecallAt1 = "mean R@1";
    public static readonly int[] Ks = [1, 5, 10];

    public static string ImageToText(int k) => $"image->text R@{k}";
    public static string TextToImage(int k) => $"text->image R@{k}";

    /// <param name="imageToText">Similarities used to rank captions for each image (row i: image i).</param>
    /// <param name="textToImage">Similarities used to rank images for each caption (column j: caption j); routed
    /// per query, it may differ from <paramref name="imageToText"/>.</param>
    public static Dictionary<string, double> Measure(float[] imageToText, float[] textToImage, int images, int[] imageOfCaption)
    {
        int captions = imageOfCaption.Length;
        if (imageToText.Length != (long)images * captions || textToImage.Length != imageToText.Length)
            throw new ArgumentException($"similarities must be {images} images x {captions} captions", nameof(imageToText));
        var metrics = new Dictionary<string, double>();
        // best rank of any of an image's captions, and the rank of each caption's image
        var imageRank = new int[images];
        Array.Fill(imageRank, int.MaxValue);
        for (int i = 0; i < images; i++)
        {
            var row = imageToText.AsSpan(i * captions, captions);
            for (int j = 0; j < captions; j++)
                if (imageOfCaption[j] == i) imageRank[i] = Math.Min(imageRank[i], ClassificationMetrics.Rank(row, j));
        }
        var textRank = new int[captions];
        var column = new float[images];
        for (int j = 0; j < captions; j++)
        {
            for (int i = 0; i < images; i++) column[i] = textToImage[i * captions + j];
            textRank[j] = ClassificationMetrics.Rank(column, imageOfCaption[j]);
        }
        var withCaptions = Enumerable.Range(0, images).Where(i => imageRank[i] != int.MaxValue).ToList();
        foreach (int k in Ks)
        {
            metrics[ImageToText(k)] = withCaptions.Count == 0 ? 0 : (double)withCaptions.Count(i => imageRank[i] < k) / withCaptions.Count;
            metrics[TextToImage(k)] = captions == 0 ? 0 : (double)textRank.Count(r => r < k) / captions;
        }
        metrics[MeanRecallAt1] = (metrics[ImageToText(1)] + metrics[TextToImage(1)]) / 2;
        return metrics;
    }
}
