using MoDE.Eval;

namespace MoDE.Tests.Eval;

public class MetricsTests
{
    [Fact]
    public void TopOneTopFiveAndMeanPerClassByHand()
    {
        // 4 images x 6 classes. Image 0: label 0 ranked 1st. Image 1: label 1 ranked 2nd. Image 2: label 2 ranked 6th.
        // Image 3: label 2, tied with class 0 for the top: the lower index wins, so rank 2nd.
        float[] logits =
        [
            .9f, .1f, .2f, .3f, .4f, .5f,
            .9f, .8f, .1f, .1f, .1f, .1f,
            .6f, .5f, .0f, .4f, .3f, .2f,
            .7f, .1f, .7f, .1f, .1f, .1f,
        ];
        int[] labels = [0, 1, 2, 2];
        var m = ClassificationMetrics.Measure(logits, labels, 6);
        Assert.Equal(0.25, m[ClassificationMetrics.Top1], 12);
        Assert.Equal(0.75, m[ClassificationMetrics.Top5], 12);
        // per class: class 0 1/1, class 1 0/1, class 2 0/2 -> mean over the 3 classes with images = 1/3
        Assert.Equal(1.0 / 3, m[ClassificationMetrics.MeanPerClass], 12);
        Assert.Equal(0.75, ClassificationMetrics.TopK(logits, labels, 6, 2), 12); // images 0, 1, 3
        Assert.Equal(1.0, ClassificationMetrics.TopK(logits, labels, 6, 6), 12);
        Assert.Equal(0.25, ZeroShotClassifier.Accuracy(logits, labels, 6), 12);
    }

    [Fact]
    public void MeanPerClassWeighsClassesNotImages()
    {
        // 3 images of class 0 all right, 1 image of class 1 wrong: top-1 0.75, mean per-class 0.5.
        float[] logits = [1, 0, 1, 0, 1, 0, 1, 0];
        int[] labels = [0, 0, 0, 1];
        Assert.Equal(0.75, ClassificationMetrics.TopK(logits, labels, 2, 1), 12);
        Assert.Equal(0.5, ClassificationMetrics.MeanPerClassAccuracy(logits, labels, 2), 12);
    }

    [Fact]
    public void RecallAtKInBothDirectionsByHand()
    {
        // 3 images, 4 captions: captions 0 and 1 describe image 0, caption 2 image 1, caption 3 image 2.
        int[] imageOf = [0, 0, 1, 2];
        float[] s =
        [
            // caption: 0    1    2    3
            /* img 0 */ .1f, .8f, .9f, .0f, // best own caption (1) ranks 2nd
            /* img 1 */ .5f, .1f, .4f, .3f, // own caption (2) ranks 2nd
            /* img 2 */ .2f, .0f, .1f, .7f, // own caption (3) ranks 1st
        ];
        var m = RetrievalMetrics.Measure(s, s, 3, imageOf);
        Assert.Equal(1.0 / 3, m[RetrievalMetrics.ImageToText(1)], 12);
        Assert.Equal(1.0, m[RetrievalMetrics.ImageToText(5)], 12);
        // text->image: caption 0 ranks image 0 (.1) below 1 (.5) and 2 (.2): 3rd; caption 1: image 0 1st;
        // caption 2: image 1 (.4) below image 0 (.9): 2nd; caption 3: image 2 1st.
        Assert.Equal(0.5, m[RetrievalMetrics.TextToImage(1)], 12);
        Assert.Equal(1.0, m[RetrievalMetrics.TextToImage(5)], 12);
        Assert.Equal((1.0 / 3 + 0.5) / 2, m[RetrievalMetrics.MeanRecallAt1], 12);

        // The two directions read different matrices (per-query routing): text->image uses the second.
        var flipped = RetrievalMetrics.Measure(s, s.Select(x => -x).ToArray(), 3, imageOf);
        Assert.Equal(m[RetrievalMetrics.ImageToText(1)], flipped[RetrievalMetrics.ImageToText(1)], 12);
        Assert.NotEqual(m[RetrievalMetrics.TextToImage(1)], flipped[RetrievalMetrics.TextToImage(1)]);

        // With 12 images, R@10 misses a caption whose image ranks last.
        int n = 12;
        var big = new float[n * n];
        for (int i = 0; i < n; i++) big[i * n + i] = 1;
        big[0] = -1; // image 0 and its caption are each other's least similar
        var r = RetrievalMetrics.Measure(big, big, n, Enumerable.Range(0, n).ToArray());
        Assert.Equal(11.0 / 12, r[RetrievalMetrics.TextToImage(10)], 12);
        Assert.Equal(11.0 / 12, r[RetrievalMetrics.ImageToText(10)], 12);
    }
}
