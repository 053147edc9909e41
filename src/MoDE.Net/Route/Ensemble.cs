namespace MoDE.Route;

/// <summary>
/// Combines the experts' zero-shot logits (raw cosine similarities, no logit scale): output = sum over
/// experts of w_c * logits_c (the MoDE paper's ensemble). Every output element depends only on the experts' values
/// at the same position (and, for <see cref="CombinePerColumn"/>, its column), through the same operations in the
/// same order, so combining a block of rows gives the same floats as combining the whole matrix.
/// </summary>
public static class Ensemble
{
    /// <param name="logits">Per expert, a [images x classes] matrix, row after row.</param>
    public static float[] Combine(IReadOnlyList<float[]> logits, IReadOnlyList<double> weights)
    {
        var output = new float[logits[0].Length];
        Combine(logits, weights, output);
        return output;
    }

    /// <summary><see cref="Combine(IReadOnlyList{float[]}, IReadOnlyList{double})"/> into <paramref name="output"/>, as long as each expert's logits.</summary>
    public static void Combine(IReadOnlyList<float[]> logits, IReadOnlyList<double> weights, Span<float> output)
    {
        if (logits.Count != weights.Count) throw new ArgumentException($"{logits.Count} experts but {weights.Count} weights", nameof(weights));
        output.Clear();
        for (int c = 0; c < logits.Count; c++)
        {
            if (logits[c].Length != output.Length) throw new ArgumentException($"expert {c}'s logits have another shape", nameof(logits));
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(logits[c], (float)weights[c], output, output);
        }
    }

    /// <summary>
    /// Per-column weights, for text-to-image retrieval routed per query: output[i, j] = sum over experts of
    /// columnWeights[j][c] * logits_c[i, j].
    /// </summary>
    /// <param name="logits">Per expert, a [rows x columns] matrix, row after row.</param>
    public static float[] CombinePerColumn(IReadOnlyList<float[]> logits, IReadOnlyList<double[]> columnWeights)
    {
        var output = new float[logits[0].Length];
        CombinePerColumn(logits, columnWeights, output);
        return output;
    }

    /// <summary><see cref="CombinePerColumn(IReadOnlyList{float[]}, IReadOnlyList{double[]})"/> into <paramref name="output"/>, as long as each expert's logits.</summary>
    public static void CombinePerColumn(IReadOnlyList<float[]> logits, IReadOnlyList<double[]> columnWeights, Span<float> output)
    {
        int columns = columnWeights.Count;
        if (columns == 0 || output.Length % columns != 0) throw new ArgumentException($"{output.Length} values are not rows of {columns} columns", nameof(columnWeights));
        output.Clear();
        for (int c = 0; c < logits.Count; c++)
        {
            if (logits[c].Length != output.Length) throw new ArgumentException($"expert {c}'s logits have another shape", nameof(logits));
            for (int k = 0; k < output.Length; k++) output[k] += (float)columnWeights[k % columns][c] * logits[c][k];
        }
    }

    /// <summary>Per entry, the highest logit over experts.</summary>
    public static float[] Max(IReadOnlyList<float[]> logits)
    {
        var result = new float[logits[0].Length];
        Max(logits, result);
        return result;
    }

    /// <summary><see cref="Max(IReadOnlyList{float[]})"/> into <paramref name="output"/>, as long as each expert's logits.</summary>
    public static void Max(IReadOnlyList<float[]> logits, Span<float> output)
    {
        logits[0].CopyTo(output);
        foreach (var l in logits.Skip(1)) System.Numerics.Tensors.TensorPrimitives.Max(output, l, output);
    }

    /// <summary>Every expert with the same weight.</summary>
    public static double[] Uniform(int experts) => Enumerable.Repeat(1.0 / experts, experts).ToArray();

    /// <summary>Weight 1 for one expert: reproduces that expert's logits.</summary>
    public static double[] OneHot(int experts, int expert) => Enumerable.Range(0, experts).Select(c => c == expert ? 1.0 : 0.0).ToArray();
}
