using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MoDE.Classify;

/// <summary>One class and its probability for an image.</summary>
public sealed record ClassProbability(string Class, double Probability);

/// <summary>
/// One image's answer: <see cref="Scores"/> the ensemble's logits per class (the sum over experts of weight x cosine,
/// no logit scale: <c>mode eval</c>'s routed scores), <see cref="Probabilities"/> their softmax at the experts' weighted
/// logit scale, and the <see cref="Top"/> classes, highest first (ties in class order).
/// </summary>
public sealed record ImageClassification(float[] Scores, double[] Probabilities, IReadOnlyList<ClassProbability> Top);

/// <summary>
/// The answer to one <see cref="ExpertEnsemble.Classify(Data.IImageRows, IReadOnlyList{string}, IReadOnlyList{string}?, Route.RoutingOptions?, int?)"/>
/// call: the classes as asked, one <see cref="ImageClassification"/> per image, the weight of each model (the experts'
/// routed weights; 1 for the single model) and the routing's name ("none" for the single model).
/// </summary>
public sealed record Classification(IReadOnlyList<string> Classes, IReadOnlyList<ImageClassification> Images, double[] Weights, string Routing)
{
    /// <summary>The answer as JSON (<c>mode classify --json</c> and <c>mode serve</c>): per image its name, top classes and
    /// every class's probability; the routing and each model's weight by name.</summary>
    public JsonObject ToJson(IReadOnlyList<string> imageNames, IReadOnlyList<string> modelNames) => new()
    {
        ["routing"] = Routing,
        ["weights"] = Object(modelNames.Select((m, c) => (m, Weights[c]))),
        ["images"] = new JsonArray([.. Images.Select((image, i) => (JsonNode)new JsonObject
        {
            ["image"] = imageNames[i],
            ["top"] = new JsonArray([.. image.Top.Select(t => (JsonNode)new JsonObject { ["class"] = t.Class, ["probability"] = t.Probability })]),
            ["probabilities"] = Object(Classes.Select((name, c) => (name, image.Probabilities[c]))),
        })]),
    };

    /// <summary>The answer as a table: one line per image with its top classes, then the models' weights.</summary>
    public string ToText(IReadOnlyList<string> imageNames, IReadOnlyList<string> modelNames)
    {
        int width = Math.Max("image".Length, imageNames.Max(n => n.Length));
        var text = new StringBuilder();
        text.AppendLine("image".PadRight(width) + "  top classes (probability)");
        for (int i = 0; i < Images.Count; i++)
            text.AppendLine(imageNames[i].PadRight(width) + "  " + string.Join("  ", Images[i].Top.Select(t => FormattableString.Invariant($"{t.Class} {t.Probability:F3}"))));
        text.AppendLine($"weights ({Routing}): " + string.Join("  ", modelNames.Select((m, c) => $"{m} {Weights[c].ToString("F3", CultureInfo.InvariantCulture)}")));
        return text.ToString();
    }

    static JsonObject Object(IEnumerable<(string Key, double Value)> entries)
    {
        var json = new JsonObject();
        foreach (var (key, value) in entries) json[key] = value;
        return json;
    }
}
