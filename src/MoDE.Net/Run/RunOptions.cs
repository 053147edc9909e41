using MoDE.Cluster;
using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Split;
using MoDE.Train;

namespace MoDE.Run;

/// <summary>The options of every stage of one run. Each stage's record carries its own seed.</summary>
public sealed record RunOptions
{
    public SyntheticWebOptions Data { get; init; } = new();
    public EmbedOptions Embed { get; init; } = new();
    public ClusterOptions Cluster { get; init; } = new();
    public SplitOptions Split { get; init; } = new();
    public TrainOptions Train { get; init; } = new();
    public EvalOptions Eval { get; init; } = new();

    /// <summary>Resources asked of Slurm when a stage runs with <c>--launcher slurm</c>.</summary>
    public Slurm.SlurmOptions Slurm { get; init; } = new();

    /// <summary>The user's data for the ingest stage; null: the built-in dataset (<see cref="Data"/>).</summary>
    public SourceOptions? Source { get; init; }

    /// <summary>Checks every stage's options before the first stage runs; throws naming the first bad field. The files
    /// the train stage starts from (<see cref="TrainOptions.Tokenizer"/>, <see cref="TrainOptions.Init"/>) are read
    /// and checked against the model here.</summary>
    public void Validate()
    {
        if (Source is { } source) source.Validate();
        else Data.Validate();
        Embed.Validate();
        Cluster.Validate();
        Split.Validate();
        Train.Validate(Train.Steps); // every model's schedule is at least this long
        Train.ValidateBaseline(Cluster.CoarseClusters);
        TrainStage.RequirePretrained(Train, Source?.ImageSize ?? Data.ImageSize);
        Eval.Validate();
        Slurm.Validate();
    }

    /// <summary>The same options with every stage's seed derived from one number.</summary>
    public RunOptions WithSeed(int seed) => this with
    {
        Data = Data with { Seed = seed },
        Cluster = Cluster with { Seed = seed * 7919 + 1 },
        Train = Train with { Seed = seed * 7919 + 2 },
        Source = Source is null ? null : Source with { Seed = seed },
    };
}
