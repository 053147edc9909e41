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
    public static float[] Logits(Clip model, CaptionTokenizer tokenizer, ClassPrompts prompts, ImageSet images) =>
        Similarities(model.EncodeImages(images), ClassWeights(model, tokenizer, prompts));

    /// <summary>Each class's unit text embedding, from its prompts.</summary>
    public static float[][] ClassWeights(Clip model, CaptionTokenizer tokenizer, ClassPrompts prompts) =>
        prompts.Classes.Select((_, c) => ClassWeight(model, tokenizer, prompts, c)).ToArray();

    /// <summary>One class's unit text embedding, from its prompts.</summary>
    public static float[] ClassWeight(Clip model, CaptionTokenizer tokenizer, ClassPrompts prompts, int classIndex) =>
        ClassEmbedding.FromPrompts(model.EncodeTexts(tokenizer, prompts.Prompts(classIndex).ToList()));

    /// <summary>Dot products of every row of <paramref name="left"/> with every row of <paramref name="right"/>, row after row.</summary>
    public static float[] Similarities(float[][] left, float[][] right)
    {
        var result = new float[(long)left.Length * right.Length];
        Similarities(left, 0, right, result);
        return result;
    }

    /// <summary>
    /// The rows <paramref name="firstRow"/>.. of <see cref="Similarities(float[][], float[][])"/> into <paramref name="output"/>,
    /// as many as it holds: each value the same dot product of the same two arrays, so a block of rows holds the same
    /// floats as those rows of the whole matrix.
    /// </summary>
    public static void Similarities(float[][] left, int firstRow, float[][] right, float[] output)
    {
        int columns = right.Length, rows = columns == 0 ? 0 : output.Length / columns;
        if ((long)rows * columns != output.Length || firstRow < 0 || firstRow + rows > left.Length)
            throw new ArgumentException($"{output.Length} values are not rows {firstRow}.. of {left.Length} x {columns}", nameof(output));
        Parallel.For(0, rows, r =>
        {
            var row = left[firstRow + r];
            for (int j = 0; j < columns; j++) output[(long)r * columns + j] = System.Numerics.Tensors.TensorPrimitives.Dot(row, right[j]);
        });
    }

    /// <summary>Share of images whose highest logit is their label.</summary>
    public static double Accuracy(float[] logits, int[] labels, int classes) => ClassificationMetrics.TopK(logits, labels, classes, 1);
}
