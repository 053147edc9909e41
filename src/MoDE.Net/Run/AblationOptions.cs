namespace MoDE.Run;

/// <summary>
/// What <c>mode ablate</c> compares (the paper's ablations, labelled a to g here) and where it works. Every variant shares the base run's
/// pairs and caption embeddings, and the seed, single and baseline models where their inputs are equal.
/// </summary>
public sealed record AblationOptions
{
    /// <summary>Folder of the base run and of one run folder per variant.</summary>
    public string Root { get; init; } = Path.Combine("runs", "ablate");

    /// <summary>An existing run with ingest and embed done (any corpus) to start from; null: ingest and embed the built-in dataset into Root/base.</summary>
    public string? BaseRun { get; init; }

    /// <summary>Options of every variant's stages; clusters and experts are set per variant.</summary>
    public RunOptions Run { get; init; } = new();

    /// <summary>Expert counts n compared (b): MoDE-2 and MoDE-4, as the paper's headline table.</summary>
    public int[] Experts { get; init; } = [2, 4];

    /// <summary>Fine cluster counts m swept for MoDE-2 (g), besides m = n (one-step) and the default m.</summary>
    public int[] FineSweep { get; init; } = [32, 256, 1024];

    /// <summary>A fine count is swept only when the captions give each fine cluster at least this many (below, centers are noise).</summary>
    public int MinCaptionsPerFine { get; init; } = 10;

    /// <summary>The Markdown file the table and commands go to; its ablation section is replaced, the rest kept.</summary>
    public string Output { get; init; } = Path.Combine("docs", "results.md");

    /// <summary>The command line that ran the ablation, recorded in the output.</summary>
    public string Command { get; init; } = "mode ablate";

    public void Validate()
    {
        if (Experts.Length == 0 || Experts.Any(n => n < 2)) throw new ArgumentException("expert counts must be at least 2", nameof(Experts));
        if (FineSweep.Any(m => m < 2)) throw new ArgumentException("fine counts must be at least 2", nameof(FineSweep));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinCaptionsPerFine, 1, nameof(MinCaptionsPerFine));
    }
}
