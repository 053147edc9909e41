using MoDE.Data;
using MoDE.Embed;

namespace MoDE.Route;

/// <summary>
/// What routing knows of a task: one embedding per class name, made with the same caption encoder as the
/// clusters. Each class embedding is the mean of its normalized prompt embeddings, normalized again (MODE-SPEC
/// step 6, and the CLIP benchmark's convention).
/// </summary>
public sealed record TaskMetadata(string Task, IReadOnlyList<string> Classes, float[][] ClassEmbeddings)
{
    public static TaskMetadata Embed(ZeroShotTask task, CaptionEncoder encoder)
    {
        var embeddings = new float[task.Classes.Count][];
        for (int c = 0; c < task.Classes.Count; c++)
        {
            float[][] prompts = encoder.Encode(task.Prompts(c).ToList());
            var mean = new float[encoder.Dimension];
            foreach (var prompt in prompts) System.Numerics.Tensors.TensorPrimitives.Add(mean, prompt, mean);
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(mean);
            System.Numerics.Tensors.TensorPrimitives.Divide(mean, norm, mean);
            embeddings[c] = mean;
        }
        return new TaskMetadata(task.Name, task.Classes, embeddings);
    }
}
