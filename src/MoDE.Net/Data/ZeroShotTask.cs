namespace MoDE.Data;

/// <summary>
/// A zero-shot classification task: class names, the prompt templates ("a photo of a {}."), and labelled
/// images. <see cref="Labels"/>[i] is the index into <see cref="Classes"/> of image i.
/// </summary>
public sealed record ZeroShotTask(string Name, IReadOnlyList<string> Classes, IReadOnlyList<string> Templates, ImageSet Images, int[] Labels)
{
    /// <summary>The prompts of one class: each template with "{}" replaced by the class name.</summary>
    public IEnumerable<string> Prompts(int classIndex) => Templates.Select(t => t.Replace("{}", Classes[classIndex]));
}
