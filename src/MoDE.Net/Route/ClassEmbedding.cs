using System.Numerics.Tensors;

namespace MoDE.Route;

/// <summary>
/// One class's embedding from its prompts (CLIP benchmark convention, as the MoDE paper routes): the mean of the
/// normalized prompt embeddings, normalized again. Used for routing (caption encoder) and for zero-shot
/// classifiers (each CLIP's text tower) alike.
/// </summary>
public static class ClassEmbedding
{
    public static float[] FromPrompts(IReadOnlyList<float[]> prompts)
    {
        if (prompts.Count == 0) throw new ArgumentException("a class needs at least one prompt", nameof(prompts));
        var mean = new float[prompts[0].Length];
        foreach (var prompt in prompts)
        {
            float norm = TensorPrimitives.Norm(prompt);
            TensorPrimitives.MultiplyAdd(prompt, 1 / Math.Max(norm, 1e-12f), mean, mean);
        }
        TensorPrimitives.Divide(mean, Math.Max(TensorPrimitives.Norm(mean), 1e-12f), mean);
        return mean;
    }
}
