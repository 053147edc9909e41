using MoDE.Data;
using MoDE.Tokenizer;

namespace MoDE.Route;

/// <summary>
/// The text side of a classification task: class names, optional synonyms of each, and prompt templates
/// ("a photo of a {}."). A class's prompts are every template filled with every one of its names, so its
/// embedding (<see cref="ClassEmbedding"/>) averages over templates and synonyms alike. Every name (class or synonym)
/// belongs to one class, compared as CLIP's tokenizer sees text (<see cref="ClipTextNormalizer"/>: case and runs of
/// white space ignored): two classes with one name would get the same prompts, and one of them could never win.
/// </summary>
public sealed record ClassPrompts
{
    public ClassPrompts(IReadOnlyList<string> classes, IReadOnlyList<string> templates, IReadOnlyList<IReadOnlyList<string>>? synonyms = null)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(templates);
        if (classes.Count == 0) throw new ArgumentException("a task needs at least one class", nameof(classes));
        if (classes.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("class names must not be empty", nameof(classes));
        if (templates.Count == 0 || templates.Any(t => !t.Contains("{}")))
            throw new ArgumentException("every template must contain {} where the class name goes", nameof(templates));
        synonyms ??= classes.Select(_ => (IReadOnlyList<string>)[]).ToList();
        if (synonyms.Count != classes.Count) throw new ArgumentException($"{synonyms.Count} synonym lists for {classes.Count} classes", nameof(synonyms));
        if (synonyms.Any(s => s.Any(string.IsNullOrWhiteSpace))) throw new ArgumentException("synonyms must not be empty", nameof(synonyms));
        var owner = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < classes.Count; c++)
            foreach (string name in synonyms[c].Prepend(classes[c]))
            {
                string key = ClipTextNormalizer.Instance.Normalize(name);
                if (owner.TryAdd(key, c) || owner[key] == c) continue; // a synonym repeating its own class's name only weighs it more
                string first = classes[owner[key]];
                throw name == classes[c] && ClipTextNormalizer.Instance.Normalize(first) == key
                    ? new ArgumentException($"class '{name}' is named twice (also as '{first}')", nameof(classes))
                    : new ArgumentException($"'{name}' names both class '{first}' and class '{classes[c]}'", nameof(synonyms));
            }
        Classes = classes;
        Templates = templates;
        Synonyms = synonyms;
    }

    public IReadOnlyList<string> Classes { get; }
    public IReadOnlyList<string> Templates { get; }

    /// <summary>Other names of each class (may be empty), used beside the class name in every template.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Synonyms { get; }

    /// <summary>Every template filled with the class name, then with each synonym.</summary>
    public IEnumerable<string> Prompts(int classIndex) =>
        new[] { Classes[classIndex] }.Concat(Synonyms[classIndex]).SelectMany(name => Templates.Select(t => t.Replace("{}", name)));

    /// <summary>The prompts of a built-in task (no synonyms).</summary>
    public static ClassPrompts Of(ZeroShotTask task) => new(task.Classes, task.Templates);
}
