using System.Text.Json;

namespace MoDE.Route;

/// <summary>
/// The prompt template sets of the CLIP paper's zero-shot evaluation, shipped as data
/// (<c>Route/PromptTemplates.json</c>): "imagenet" (the 80 ImageNet templates), "imagenet7" (the 7 of them CLIP
/// found best as an ensemble) and "photo" (the single "a photo of a {}."). "{}" marks where the class name goes.
/// </summary>
public static class PromptTemplates
{
    public const string ImageNet = "imagenet";
    public const string ImageNet7 = "imagenet7";
    public const string Photo = "photo";

    static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<string>>> Sets = new(Read);

    /// <summary>Names of the shipped sets.</summary>
    public static IEnumerable<string> Names => Sets.Value.Keys;

    /// <summary>The templates of a shipped set, by name.</summary>
    public static IReadOnlyList<string> Get(string name) =>
        Sets.Value.TryGetValue(name, out var set) ? set
            : throw new ArgumentException($"no template set '{name}' (known: {string.Join(", ", Names)})", nameof(name));

    static IReadOnlyDictionary<string, IReadOnlyList<string>> Read()
    {
        using var stream = typeof(PromptTemplates).Assembly.GetManifestResourceStream("MoDE.Route.PromptTemplates.json")
            ?? throw new InvalidOperationException("resource MoDE.Route.PromptTemplates.json is missing from the assembly");
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array)
            .ToDictionary(p => p.Name, p => (IReadOnlyList<string>)p.Value.EnumerateArray().Select(t => t.GetString()!).ToList());
    }
}
