namespace MoDE.Eval;

/// <summary>
/// The rank counters of <see cref="RetrievalMetrics"/>, fed blocks of image rows of the [images x captions]
/// similarities, in any order: per image, the best rank of its captions in its row (the row is whole in its block);
/// per caption, how many images score above its own image on the text side (greater, or equal at a lower image
/// index), counted block by block against the caption's own score, which <see cref="RetrievalRanks(int, int[], float[])"/>
/// takes beforehand. Holds one int per image and two per caption, whatever the number of blocks.
/// </summary>
public sealed class RetrievalRanks
{
    readonly int[] imageOfCaption;
    readonly int[][] captionsOf;
    readonly float[] ownScores;
    readonly int[] imageRank, textRank;

    /// <param name="ownScores">Per caption j, the text side's similarity of j and its own image: the value each other image's is compared with.</param>
    public RetrievalRanks(int images, int[] imageOfCaption, float[] ownScores)
    {
        if (ownScores.Length != imageOfCaption.Length) throw new ArgumentException($"{ownScores.Length} own scores for {imageOfCaption.Length} captions", nameof(ownScores));
        this.imageOfCaption = imageOfCaption;
        this.ownScores = ownScores;
        captionsOf = CaptionsOf(images, imageOfCaption);
        imageRank = new int[images];
        Array.Fill(imageRank, int.MaxValue);
        textRank = new int[imageOfCaption.Length];
    }

    /// <summary>Per image, its captions in caption order.</summary>
    public static int[][] CaptionsOf(int images, int[] imageOfCaption)
    {
        var lists = Enumerable.Range(0, images).Select(_ => new List<int>()).ToArray();
        for (int j = 0; j < imageOfCaption.Length; j++)
        {
            if ((uint)imageOfCaption[j] >= (uint)images) throw new ArgumentException($"caption {j} describes image {imageOfCaption[j]}, but there are {images}", nameof(imageOfCaption));
            lists[imageOfCaption[j]].Add(j);
        }
        return lists.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>Counts rows <paramref name="firstImage"/> onwards.</summary>
    /// <param name="imageToText">[rows x captions]: ranks captions for each image.</param>
    /// <param name="textToImage">[rows x captions]: ranks images for each caption; routed per query, it may differ from <paramref name="imageToText"/>.</param>
    public void Add(int firstImage, float[] imageToText, float[] textToImage)
    {
        int captions = textRank.Length;
        if (captions == 0) return;
        int rows = imageToText.Length / captions;
        if (imageToText.Length % captions != 0 || textToImage.Length != imageToText.Length || firstImage < 0 || firstImage + rows > imageRank.Length)
            throw new ArgumentException($"blocks of {imageToText.Length} and {textToImage.Length} similarities are not rows {firstImage}.. of {imageRank.Length} images x {captions} captions", nameof(imageToText));
        Parallel.For(0, rows, r =>
        {
            var row = imageToText.AsSpan(r * captions, captions);
            foreach (int j in captionsOf[firstImage + r]) imageRank[firstImage + r] = Math.Min(imageRank[firstImage + r], ClassificationMetrics.Rank(row, j));
        });
        const int Stripe = 4096; // captions per parallel task: each counts its own captions, so no two write the same counter
        Parallel.For(0, (captions + Stripe - 1) / Stripe, s =>
        {
            int from = s * Stripe, to = Math.Min(captions, from + Stripe);
            for (int r = 0; r < rows; r++)
            {
                int i = firstImage + r;
                var row = textToImage.AsSpan(r * captions, captions);
                for (int j = from; j < to; j++)
                    if (row[j] > ownScores[j] || (row[j] == ownScores[j] && i < imageOfCaption[j])) textRank[j]++;
            }
        });
    }

    /// <summary>Recall@k in both directions and the mean Recall@1, from the rows counted so far.</summary>
    public Dictionary<string, double> Metrics()
    {
        var metrics = new Dictionary<string, double>();
        var withCaptions = Enumerable.Range(0, imageRank.Length).Where(i => imageRank[i] != int.MaxValue).ToList();
        foreach (int k in RetrievalMetrics.Ks)
        {
            metrics[RetrievalMetrics.ImageToText(k)] = withCaptions.Count == 0 ? 0 : (double)withCaptions.Count(i => imageRank[i] < k) / withCaptions.Count;
            metrics[RetrievalMetrics.TextToImage(k)] = textRank.Length == 0 ? 0 : (double)textRank.Count(r => r < k) / textRank.Length;
        }
        metrics[RetrievalMetrics.MeanRecallAt1] = (metrics[RetrievalMetrics.ImageToText(1)] + metrics[RetrievalMetrics.TextToImage(1)]) / 2;
        return metrics;
    }
}
