using MoDE.Data;
using MoDE.Model;
using MoDE.Route;
using MoDE.Tokenizer;

namespace MoDE.Eval;

/// <summary>
/// Zero-shot classification with one CLIP model: each class's text embedding is the mean of its normalized
/// prompt embeddings (templates and synonyms), normalized again; an image's logits are its cosine similarity to
/// every class (no logit scale, as MoDE ensembles them).
/// </summary>
public static class ZeroShotClassifier
{
    /// <returns>[images x classes] cosine logits, row after row.</returns>
    public static float[] Logits(Clip model, CaptionTokenizer tokenizer, ZeroShotTask task) =>
        Logits(model, tokenizer, ClassPrompts.Of(task), task.Images);

    /// <returns>[images x classes] cosine logits, row after row.</returns>
    public static float[] Logits(Clip model, CaptionTokenizer tokenizer, ClassPrompts prompts, ImageSet images)
    {
        float[][] imageFeatures = model.EncodeImages(images);
        var classWeights = prompts.Classes.Select((_, c) => ClassEmbedding.FromPrompts(model.EncodeTexts(tokenizer, prompts.Prompts(c).ToList()))).ToArray();
        return Similarities(imageFeatures, classWeights);
    }

    /// <summary>Dot products of every row of <paramref name="left"/> with every row of <paramref name="right"/>, row after row.</summary>
    public static float[] Similarities(float[][] left, float[][] right)
    {
        var result = new float[(long)left.Length * right.Length];
        for (int i = 0; i < left.Length; i++)
            for (int j = 0; j < right.Length; j++)
                result[(long)i * right.Length + j] = System.Numerics.Tensors.TensorPrimitives.Dot(left[i], right[j]);
        return result;
    }

    /// <summary>Share of images whose highest logit is their label.</summary>
    public static double Accuracy(float[] logits, int[] labels, int classes) => ClassificationMetrics.TopK(logits, labels, classes, 1);
}
