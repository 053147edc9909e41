namespace MoDE.Eval;

/// <summary>
/// Retrieval metrics from [images x captions] similarity matrices. Image to text, Recall@k: the share of images
/// with at least one of their captions among their k most similar captions. Text to image, Recall@k: the share of
/// captions whose image is among their k most similar images. Ties rank the lower index first. Counted by
/// <see cref="RetrievalRanks"/>, which also takes the matrices block by block.
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
        var ranks = new RetrievalRanks(images, imageOfCaption, imageOfCaption.Select((i, j) => textToImage[(long)i * captions + j]).ToArray());
        ranks.Add(0, imageToText, textToImage);
        return ranks.Metrics();
    }
}
