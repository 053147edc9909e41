using MoDE.Embed;

namespace MoDE.Tests.Embed;

public class CaptionEncoderTests
{
    static readonly Lazy<CaptionEncoder> Encoder = new(() => CaptionEncoder.MiniLM());

    static readonly string[] Captions =
    [
        "a small red triangle on a white background", "red triangle icon", "Stock photo: a sandy beach at noon",
        "IMG_4031.jpg", "the letter B in a serif font", "click to enlarge", "a checkerboard pattern in blue and yellow",
        "a very long caption that keeps going " + string.Join(' ', Enumerable.Repeat("with many repeated words", 30)),
    ];

    [Fact]
    public void VectorsAreUnitLengthAndMeaningful()
    {
        float[][] v = Encoder.Value.Encode(Captions);
        Assert.Equal(384, Encoder.Value.Dimension);
        Assert.All(v, row => Assert.Equal(1.0, System.Numerics.Tensors.TensorPrimitives.Norm(row), 4));
        double Cos(int a, int b) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(v[a], v[b]);
        Assert.True(Cos(0, 1) > Cos(0, 2), $"triangle captions {Cos(0, 1)} vs triangle-beach {Cos(0, 2)}");
    }

    [Fact]
    public void BatchCompositionDoesNotChangeAnyVector()
    {
        float[] together = EmbedStage.Embed(Encoder.Value, Captions, batchSize: 8);
        float[] alone = EmbedStage.Embed(Encoder.Value, Captions, batchSize: 1);
        float[] threes = EmbedStage.Embed(Encoder.Value, Captions, batchSize: 3);
        float[] capped = EmbedStage.Embed(Encoder.Value, Captions, batchSize: 64, batchTokens: 24); // batches of 1..4 by length
        for (int i = 0; i < Captions.Length; i++)
        {
            var a = together.AsSpan(i * 384, 384);
            Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, alone.AsSpan(i * 384, 384)) >= 0.9999f, $"caption {i}, batch 1");
            Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, threes.AsSpan(i * 384, 384)) >= 0.9999f, $"caption {i}, batch 3");
            Assert.True(System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, capped.AsSpan(i * 384, 384)) >= 0.9999f, $"caption {i}, 24-token batches");
        }
    }

    [Fact]
    public void LongCaptionsAreTruncatedKeepingTheSeparator()
    {
        int[] ids = Encoder.Value.Tokenize(string.Join(' ', Enumerable.Repeat("word", 1000)));
        Assert.Equal(Encoder.Value.MaxTokens, ids.Length);
        Assert.Equal(102, ids[^1]); // [SEP] in BERT's uncased vocabulary
        Assert.Equal(101, ids[0]);  // [CLS]
    }
}
