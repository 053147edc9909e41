using System.Text.Json;
using System.Text.Json.Nodes;
using MoDE.Cluster;
using MoDE.Embed;
using MoDE.Route;
using MoDE.Storage;
using MoDE.Tokenizer;

namespace MoDE.Export;

/// <summary>
/// <c>mode_router.json</c> of an export: what routing a task to the experts needs outside MoDE.NET, beside
/// <c>fine_centers.npy</c> and <c>coarse_centers.npy</c> (float32 [centers, d], the cluster stage's): the
/// fine-to-coarse map, the formulas' names and constants as <see cref="ExpertRouter"/> uses them, the centers routing
/// compares with (fine by default, as the MoDE paper), the caption encoder that must embed the class names, the model
/// folder of each expert, the ensemble's rule and the tokenizer's ids. mode_clip.py's Router reads it. Its "run" field
/// names the run exported, so that a rerun recognises its own earlier export.
/// </summary>
public static class RouterFile
{
    public const string FileName = "mode_router.json";
    public const string FineCentersFileName = "fine_centers.npy", CoarseCentersFileName = "coarse_centers.npy";

    /// <summary>1: this layout.</summary>
    public const int FormatVersion = 1;

    /// <summary>The routing formulas' names in the file, as mode_clip.py's route() takes them.</summary>
    public static string Name(RoutingFormula formula) => formula switch
    {
        RoutingFormula.Paper => "paper",
        RoutingFormula.Calibrated => "calibrated",
        _ => "released_code",
    };

    public static string Name(RoutingCenters centers) => centers == RoutingCenters.Coarse ? "coarse" : "fine";

    /// <summary>The file's text: <paramref name="expertFolders"/> are the experts' folders in expert order, <paramref name="otherModels"/> the other models' by name.</summary>
    public static string ToJson(string runRoot, ClusterHierarchy clusters, IReadOnlyList<string> expertFolders, IReadOnlyDictionary<string, string> otherModels,
                                string encoderName, CaptionEncoder encoder, CaptionTokenizer tokenizer, RoutingOptions routing)
    {
        string? mismatch = OpenClipMerges.Mismatch(tokenizer);
        var modelsNode = new JsonObject { ["experts"] = new JsonArray([.. expertFolders.Select(f => JsonValue.Create(f))]) };
        foreach (var (model, folder) in otherModels) modelsNode[model] = folder;
        var document = new JsonObject
        {
            ["format_version"] = FormatVersion,
            ["run"] = runRoot,
            ["experts"] = clusters.CoarseCount,
            ["models"] = modelsNode,
            ["fine_clusters"] = clusters.FineCount,
            ["dimension"] = clusters.Dimension,
            ["fine_to_coarse"] = new JsonArray([.. clusters.FineToCoarse.Select(c => JsonValue.Create(c))]),
            ["centers"] = new JsonObject { ["fine"] = FineCentersFileName, ["coarse"] = CoarseCentersFileName },
            ["routing"] = new JsonObject
            {
                ["default"] = new JsonObject { ["formula"] = Name(routing.Formula), ["centers"] = Name(routing.Centers) },
                ["formulas"] = new JsonObject
                {
                    ["released_code"] = "per class, its nearest center c and distance d; score[expert of c] += exp((add - d) * mul), add = exp(soften_offset - sqrt(L)) " +
                                        "when L < few_classes else 0, mul = sharpness * log10(max(10, L - many_classes)); weights = softmax(score / temperature)",
                    ["paper"] = "per class, its nearest center c and distance d; score[expert of c] += soften * exp(-d^2 / lambda'), soften = exp(soften_offset - sqrt(L)) " +
                                "when L < few_classes else 1, lambda' = lambda / ln(L) when L > many_classes else lambda; weights = softmax(score)",
                    ["calibrated"] = "per class l and expert k, D(l,k) = squared distance to k's nearest center; p(k|l) = softmax over k of -D(l,k) / lambda " +
                                     "with calibrated_lambda[centers]; weights = mean of p(.|l) over the classes",
                },
                ["calibrated_lambda"] = new JsonObject
                {
                    ["derivation"] = "probes: the fine centers; each probe sees each expert at the squared distance (float32 L2, squared in float64) of that " +
                                     "expert's nearest center of the routing's kind, the probe itself left out when that kind is fine; its margin = second-nearest " +
                                     "minus nearest; lambda = the median of the positive finite margins (the mean of the middle two for an even count), 1 when there is none",
                    ["fine"] = Temperature(clusters, RoutingCenters.Fine),
                    ["coarse"] = Temperature(clusters, RoutingCenters.Coarse),
                },
                ["constants"] = new JsonObject
                {
                    ["few_classes"] = ExpertRouter.FewClasses, ["soften_offset"] = ExpertRouter.SoftenOffset,
                    ["many_classes"] = ExpertRouter.ManyClasses, ["sharpness"] = ExpertRouter.ReleasedSharpness,
                    ["temperature"] = ExpertRouter.ReleasedTemperature, ["lambda"] = ExpertRouter.PaperLambda,
                },
                ["distance"] = "L2 between unit class embeddings and the centers (float32)",
            },
            ["caption_encoder"] = new JsonObject
            {
                ["name"] = encoderName,
                ["pooling"] = encoder.Pooling.ToString().ToLowerInvariant(),
                ["normalization"] = "l2",
                ["dimension"] = encoder.Dimension,
                ["max_tokens"] = encoder.MaxTokens,
                ["class_embedding"] = "each prompt of a class (templates x names) embedded and L2-normalized, summed, L2-normalized again",
            },
            ["ensemble"] = "per image and class, sum over experts of weight * cosine(image features, class text embedding), no logit scale",
            ["tokenizer"] = new JsonObject
            {
                ["merges"] = mismatch is null ? OpenClipMerges.FileName : null,
                ["same_ids_as_open_clip"] = mismatch is null,
                ["not_exported_because"] = mismatch,
                ["text_differences"] = OpenClipMerges.TextDifferences(tokenizer),
                ["context_length"] = tokenizer.ContextLength,
                ["vocab_size"] = tokenizer.VocabSize,
                ["sot_id"] = tokenizer.SotId,
                ["eot_id"] = tokenizer.EotId,
                ["pad_id"] = CaptionTokenizer.PadId,
            },
        };
        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static JsonObject Temperature(ClusterHierarchy clusters, RoutingCenters kind)
    {
        var temperature = RoutingTemperature.Of(clusters, kind);
        // a probe that sees a single expert has no margin (an infinite one, which JSON cannot hold)
        var margins = temperature.Margins.Where(double.IsFinite).Order().ToArray();
        JsonNode? Margin(int index) => margins.Length == 0 ? null : JsonValue.Create(margins[index]);
        return new JsonObject
        {
            ["lambda"] = temperature.Lambda,
            ["probes"] = temperature.Margins.Length,
            ["margin_min"] = Margin(0), ["margin_quartile_1"] = Margin(margins.Length / 4), ["margin_quartile_3"] = Margin(3 * margins.Length / 4),
            ["margin_max"] = Margin(margins.Length - 1),
        };
    }

    /// <summary>The "run" an export's router file names, or null when <paramref name="path"/> is not a readable router file.</summary>
    public static string? RunOf(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path))?["run"]?.GetValue<string>(); }
        catch (Exception e) when (e is JsonException or IOException or InvalidOperationException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Writes both center files into <paramref name="folder"/> (each atomically).</summary>
    public static void WriteCenters(ClusterHierarchy clusters, string folder)
    {
        Npy.Write(Path.Combine(folder, FineCentersFileName), clusters.FineCenters, clusters.FineCount, clusters.Dimension);
        Npy.Write(Path.Combine(folder, CoarseCentersFileName), clusters.CoarseCenters, clusters.CoarseCount, clusters.Dimension);
    }
}
