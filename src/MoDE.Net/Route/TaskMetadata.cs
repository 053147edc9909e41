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
            embeddings[c] = ClassEmbedding.FromPrompts(encoder.Encode(task.Prompts(c).ToList()));
        return new TaskMetadata(task.Name, task.Classes, embeddings);
    }
}
