using MoDE.Route;

namespace MoDE.Classify;

/// <summary>Which models of a run answer an <see cref="ExpertEnsemble"/>.</summary>
public enum EnsembleModels
{
    /// <summary>The data experts, weighted by routing each request's class names (the MoDE paper's inference).</summary>
    Experts,
    /// <summary>The run's single model alone (the paper's baseline, same schedule as one expert), with no routing: the reference classifier.</summary>
    Single,
}

/// <summary>How an <see cref="ExpertEnsemble"/> loads and answers; each field can be overridden per call where it says so.</summary>
public sealed record EnsembleOptions
{
    /// <summary>The routing that weights the experts: the calibrated formula by fine centers, whose temperature comes from
    /// the run's own centers, so it keeps choosing whatever the caption encoder (the published formulas' constants were
    /// set for the paper's encoder, and with MiniLM or the seed's image features give every expert about 1/n;
    /// docs/results.md); any of <see cref="RoutingOptions.All"/> per call.</summary>
    public RoutingOptions Routing { get; init; } = new(RoutingFormula.Calibrated);

    public EnsembleModels Models { get; init; } = EnsembleModels.Experts;

    /// <summary>The prompt template set used when a call names none (<see cref="PromptTemplates"/>): "imagenet", as a task folder's default.</summary>
    public string Templates { get; init; } = PromptTemplates.ImageNet;

    /// <summary>Classes listed per image, highest probability first: 5.</summary>
    public int Top { get; init; } = 5;

    /// <summary>Threads for libtorch and ONNX Runtime (0: one per core).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Most class names whose embeddings are kept (the caption encoder's and every model's, about 3 KB a name on the
    /// default run): 20,000; past it the cache starts again, so a stream of new names cannot fill memory.
    /// </summary>
    public int CachedClasses { get; init; } = 20_000;

    public EnsembleOptions Validate()
    {
        ArgumentNullException.ThrowIfNull(Routing, nameof(Routing));
        if (!Enum.IsDefined(Models)) throw new ArgumentOutOfRangeException(nameof(Models), Models, "must be Experts or Single");
        if (!PromptTemplates.Names.Contains(Templates))
            throw new ArgumentException($"no template set '{Templates}' (known: {string.Join(", ", PromptTemplates.Names)})", nameof(Templates));
        ArgumentOutOfRangeException.ThrowIfLessThan(Top, 1, nameof(Top));
        ArgumentOutOfRangeException.ThrowIfNegative(Threads, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(CachedClasses, 1, nameof(CachedClasses));
        return this;
    }
}
