using MoDE.Data;
using MoDE.Route;
using MoDE.Train;

namespace MoDE.Eval;

/// <summary>
/// Zero-shot classification with one CLIP model: each class's text embedding is the mean of its normalized
/// prompt embeddings, normalized again; an image's logits are its cosine similarity to every class (no logit
/// scale, as MoDE ensembles them).
/// </summary>
public static class ZeroShotClassifier
{
    /// <returns>[images x classes] cosine logits, row after row.</returns>
    public static float[] Logits(Clip model, CaptionTokenizer tokenizer, ZeroShotTask task)
    {
        float[][] images = model.EncodeImages(task.Images);
        int classes = task.Classes.Count;
        var classWeights = new float[classes][];
        for (int c = 0; c < classes; c++)
            classWeights[c] = ClassEmbedding.FromPrompts(model.EncodeTexts(tokenizer, task.Prompts(c).ToList()));
        var logits = new float[images.Length * classes];
        for (int i = 0; i < images.Length; i++)
            for (int c = 0; c < classes; c++)
                logits[i * classes + c] = System.Numerics.Tensors.TensorPrimitives.Dot(images[i], classWeights[c]);
        return logits;
    }

    /// <summary>Share of images whose highest logit is their label.</summary>
    public static double Accuracy(float[] logits, int[] labels, int classes)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.AsSpan(i * classes, classes)) == labels[i]) correct++;
        return labels.Length == 0 ? 0 : (double)correct / labels.Length;
    }
}
