using MoDE.Data;
using MoDE.Embed;

namespace MoDE.Route;

/// <summary>
/// What routing knows of a task: one embedding per class name, made with the same caption encoder as the
/// clusters. Each class embedding is the mean of its normalized prompt embeddings (templates and synonyms),
/// normalized again (the MoDE paper's task metadata, and the CLIP benchmark's convention). For retrieval the "classes" are
/// the corpus's captions, each embedded as it is.
/// </summary>
public sealed record TaskMetadata(string Task, IReadOnlyList<string> Classes, float[][] ClassEmbeddings)
{
    public static TaskMetadata Embed(ZeroShotTask task, CaptionEncoder encoder) => Embed(task.Name, ClassPrompts.Of(task), encoder);

    public static TaskMetadata Embed(string task, ClassPrompts prompts, CaptionEncoder encoder)
    {
        var embeddings = new float[prompts.Classes.Count][];
        for (int c = 0; c < prompts.Classes.Count; c++) embeddings[c] = EmbedClass(prompts, c, encoder);
        return new TaskMetadata(task, prompts.Classes, embeddings);
    }

    /// <summary>One class's routing embedding: its prompts through <paramref name="encoder"/>, then <see cref="ClassEmbedding"/>.</summary>
    public static float[] EmbedClass(ClassPrompts prompts, int classIndex, CaptionEncoder encoder) =>
        ClassEmbedding.FromPrompts(encoder.Encode(prompts.Prompts(classIndex).ToList()));

    /// <summary>Texts used as they are, one "class" each (a retrieval corpus's captions, or one query).</summary>
    public static TaskMetadata OfTexts(string task, IReadOnlyList<string> texts, CaptionEncoder encoder)
    {
        var embeddings = encoder.Encode(texts.ToList()).Select(e => ClassEmbedding.FromPrompts([e])).ToArray();
        return new TaskMetadata(task, texts, embeddings);
    }
}
