using MoDE.Data;
using MoDE.Eval;
using MoDE.Route;

namespace MoDE.Tests.Eval;

public class ScoreBlocksTests
{
    const int Experts = 3, Dimension = 6;

    /// <summary>Unit-free features whose entries are multiples of 0.5 in [-1, 1]: their dot products are exact, so
    /// scores tie often, inside a row and with a caption's own score. <paramref name="continuous"/>: any floats.</summary>
    static float[][] Features(Random random, int count, bool continuous) =>
        Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, Dimension)
            .Select(_ => continuous ? (float)(random.NextDouble() * 2 - 1) : (random.Next(5) - 2) / 2f).ToArray()).ToArray();

    static double[] Weights(Random random, bool quantized)
    {
        var w = Enumerable.Range(0, Experts).Select(_ => quantized ? random.Next(1, 4) : random.NextDouble() + 0.01).ToArray();
        return w.Select(x => x / w.Sum()).ToArray();
    }

    static ImageSet Images(int count) => new(count, 1, 1, new byte[count * ImageSet.Channels]);

    [Theory]
    [InlineData(1)]        // one image per block
    [InlineData(64)]       // blocks of 2 and of 9 images, and a shorter last block
    [InlineData(1 << 20)]  // every task in one block
    public void StreamedMetricsEqualTheWholeMatrixMetricsOfEveryMethod(int blockValues)
    {
        var random = new Random(16);
        // a retrieval set of 13 images and 30 captions: several per image, image 12 none; one of continuous features
        int[] imageOfCaption = Enumerable.Range(0, 30).Select(j => j < 12 ? j : random.Next(12)).ToArray();
        var classes = new ClassPrompts(["a", "b", "c", "d", "e", "f", "g"], ["a photo of {}."]);
        EvalTask[] tasks =
        [
            new ClassificationTask("classes", classes, Images(23), Enumerable.Range(0, 23).Select(i => random.Next(6)).ToArray()), // class g has no image
            new RetrievalTask("captions", Images(13), imageOfCaption.Select(j => $"caption of {j}").ToList(), imageOfCaption),
            new RetrievalTask("continuous", Images(13), imageOfCaption.Select(j => $"caption of {j}").ToList(), imageOfCaption),
            new ClassificationTask("mean per class", classes, Images(9), [0, 0, 0, 0, 1, 1, 2, 3, 3], ClassificationMetrics.MeanPerClass),
        ];
        // experts, then the single model, then the baseline
        var features = Enumerable.Range(0, Experts + 2).Select(_ => tasks.Select(t =>
        {
            bool continuous = t.Name == "continuous";
            int texts = t is RetrievalTask r ? r.Captions.Count : classes.Classes.Count;
            return new TaskFeatures(Features(random, t.Images.Count, continuous), Features(random, texts, continuous));
        }).ToArray()).ToArray();
        // routing 0 with weights in quarters (exact sums, so ensembles tie too), the others any weights
        var taskWeights = RoutingOptions.All.Select((_, r) => tasks.Select(_ => Weights(random, r == 0)).ToArray()).ToArray();
        var queryWeights = RoutingOptions.All.Select((_, r) => tasks.Select(t => t is RetrievalTask rt
            ? rt.Captions.Select(_ => Weights(random, r == 0)).ToArray() : null).ToArray()).ToArray();

        // the test needs ties: some image's own caption scores the same as another of its row
        var captions = features[0][1];
        Assert.Contains(Enumerable.Range(0, 30), j => Enumerable.Range(0, 30).Any(other => other != j &&
            System.Numerics.Tensors.TensorPrimitives.Dot(captions.Images[imageOfCaption[j]], captions.Texts[j]) ==
            System.Numerics.Tensors.TensorPrimitives.Dot(captions.Images[imageOfCaption[j]], captions.Texts[other])));

        var streamed = EvalStage.Score(tasks, features, taskWeights, queryWeights, blockValues: blockValues);
        var reference = WholeMatrixEvaluation.Score(tasks, features, taskWeights, queryWeights);
        Assert.Equal(reference.Methods.Select(m => m.Name), streamed.Methods.Select(m => m.Name));
        Assert.Equal(reference.Methods.Select(m => m.Description), streamed.Methods.Select(m => m.Description));
        for (int k = 0; k < reference.Methods.Count; k++)
        {
            Assert.Equal(reference.Methods[k].Accuracy, streamed.Methods[k].Accuracy);
            for (int t = 0; t < tasks.Length; t++) Assert.Equal(reference.Methods[k].Metrics![t], streamed.Methods[k].Metrics![t]);
        }
        // the metrics are not all trivially equal: methods differ on the retrieval sets, per-query routing included
        Assert.True(reference.Methods.Select(m => m.Metrics![1][RetrievalMetrics.TextToImage(1)]).Distinct().Count() > 2);
    }

    [Fact]
    public void RetrievalRanksOfBlocksInAnyOrderEqualThoseOfTheWholeMatrix()
    {
        // 4 images x 5 captions with ties everywhere: image 3 has no caption, image 0 two
        int[] imageOf = [0, 1, 0, 2, 1];
        float[] s =
        [
            .5f, .5f, .5f, .1f, .5f,
            .2f, .5f, .5f, .5f, .2f,
            .5f, .5f, .5f, .5f, .5f,
            .9f, .9f, .9f, .9f, .9f,
        ];
        var whole = RetrievalMetrics.Measure(s, s, 4, imageOf);
        var ranks = new RetrievalRanks(4, imageOf, imageOf.Select((i, j) => s[i * 5 + j]).ToArray());
        foreach (int first in new[] { 2, 0, 3, 1 }) ranks.Add(first, s[(first * 5)..(first * 5 + 5)], s[(first * 5)..(first * 5 + 5)]);
        Assert.Equal(whole, ranks.Metrics());
        // by hand: image 0's caption 0 ranks first (caption 1 ties at a higher index); image 1's caption 1 ranks first
        // (caption 2 ties at a higher index); image 2's caption 3 ties with captions 0-2 at lower indices: 4th.
        Assert.Equal(2.0 / 3, whole[RetrievalMetrics.ImageToText(1)], 12);
        // text->image: every caption's column has image 3 at .9 above its own image: no caption at rank 0
        Assert.Equal(0, whole[RetrievalMetrics.TextToImage(1)]);
    }
}
