namespace MoDE.Route;

/// <summary>Which centers a task's class embeddings are compared with when routing.</summary>
public enum RoutingCenters
{
    /// <summary>The m fine centers, each counting for its coarse parent (the paper's and the code's default).</summary>
    Fine,
    /// <summary>The n coarse centers directly (the paper's ablation: 58.5 vs 58.6 with fine centers).</summary>
    Coarse,
}

/// <summary>
/// How routing turns a task's metadata into expert weights: the formula and the centers. <see cref="Name"/>
/// labels every result that used it.
/// </summary>
public sealed record RoutingOptions(RoutingFormula Formula = RoutingFormula.ReleasedCode, RoutingCenters Centers = RoutingCenters.Fine)
{
    /// <summary>Short label: "code", "paper" or "calibrated", with ", coarse" when routing by coarse centers.</summary>
    public string Name => Label(Formula) + (Centers == RoutingCenters.Coarse ? ", coarse" : "");

    /// <summary>The formula's short label, as <see cref="Parse"/> reads it.</summary>
    public static string Label(RoutingFormula formula) => formula switch
    {
        RoutingFormula.Paper => "paper",
        RoutingFormula.Calibrated => "calibrated",
        _ => "code",
    };

    /// <summary>What the routing does, in words (the eval table's description of its row).</summary>
    public string Description => (Formula switch
    {
        RoutingFormula.Paper => "the paper's formula (max filter, lambda 0.2)",
        RoutingFormula.Calibrated => "the calibrated formula (mean over classes of softmax(-d^2 / lambda), lambda the run's median margin between the nearest two experts)",
        _ => "the released code's formula (softmax(score / 8))",
    }) + (Centers == RoutingCenters.Coarse ? ", by coarse centers" : ", by fine centers");

    /// <summary>Every formula with every kind of center, fine first.</summary>
    public static IReadOnlyList<RoutingOptions> All { get; } =
    [
        new(RoutingFormula.ReleasedCode), new(RoutingFormula.Paper), new(RoutingFormula.Calibrated),
        new(RoutingFormula.ReleasedCode, RoutingCenters.Coarse), new(RoutingFormula.Paper, RoutingCenters.Coarse), new(RoutingFormula.Calibrated, RoutingCenters.Coarse),
    ];

    /// <summary>Parses "code", "paper", "calibrated", each optionally with "coarse" ("paper,coarse"; also "released", "fine").</summary>
    public static RoutingOptions Parse(string text)
    {
        var parts = text.Split([',', ' ', '+'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var options = new RoutingOptions();
        foreach (string part in parts)
            options = part.ToLowerInvariant() switch
            {
                "code" or "released" or "releasedcode" => options with { Formula = RoutingFormula.ReleasedCode },
                "paper" => options with { Formula = RoutingFormula.Paper },
                "calibrated" => options with { Formula = RoutingFormula.Calibrated },
                "fine" => options with { Centers = RoutingCenters.Fine },
                "coarse" => options with { Centers = RoutingCenters.Coarse },
                _ => throw new ArgumentException($"unknown routing '{part}' in '{text}' (use code, paper or calibrated, optionally with fine or coarse)", nameof(text)),
            };
        return options;
    }
}
