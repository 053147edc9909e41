using SkiaSharp;

namespace MoDE.Data.Synthetic;

/// <summary>One class of a synthetic domain: its name (used in zero-shot prompts) and the words captions use for it.</summary>
public sealed record SyntheticClass(string Name, IReadOnlyList<string> Synonyms);

/// <summary>
/// One visual domain of the synthetic web: its own classes, caption vocabulary, prompt templates, and a renderer.
/// Drawing happens in a 100 x 100 coordinate space, scaled to the image size.
/// </summary>
public abstract class SyntheticDomain
{
    private protected SyntheticDomain() { }

    public abstract string Name { get; }
    public abstract IReadOnlyList<SyntheticClass> Classes { get; }

    /// <summary>Zero-shot prompt templates for this domain, each with "{}" for the class name.</summary>
    public abstract IReadOnlyList<string> Templates { get; }

    /// <summary>Draws one image of a class on a canvas already scaled to 100 x 100 units; returns what it drew.</summary>
    internal abstract Look Draw(SKCanvas canvas, int classIndex, Random rng);

    /// <summary>An alt-text style caption of a drawn image.</summary>
    internal abstract string Caption(int classIndex, Look look, Random rng);

    /// <summary>A caption word for the class: its name or one of its synonyms.</summary>
    private protected string Word(int classIndex, Random rng)
    {
        var c = Classes[classIndex];
        return rng.Chance(0.4) ? c.Name : rng.Pick(c.Synonyms);
    }
}

/// <summary>The visible attributes of one drawn image, as caption words ("" when a caption should not mention it).</summary>
internal sealed record Look(string Colour = "", string Size = "", string Position = "", string Background = "", string Style = "");
