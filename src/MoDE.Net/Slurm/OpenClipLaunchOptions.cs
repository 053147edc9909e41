namespace MoDE.Slurm;

/// <summary>
/// <c>mode train --launcher open_clip</c>: where the shards are, how the schedule maps to open_clip's epochs, and how each job runs
/// open_clip_train (<see cref="OpenClipTrainLauncher"/>).
/// </summary>
public sealed record OpenClipLaunchOptions
{
    /// <summary>The folder <c>mode shards</c> wrote (<c>all/</c>, <c>expert_i/</c>, each with its manifest.json).</summary>
    public string Shards { get; init; } = "";

    /// <summary>open_clip epochs of the whole schedule: 32, the MoDE paper's (the seed trains 27 of them).</summary>
    public int Epochs { get; init; } = 32;

    /// <summary>Processes, one per GPU, that <c>srun</c> starts for one model (<c>--ntasks</c>); the batch is split among them.</summary>
    public int Tasks { get; init; } = 1;

    /// <summary>open_clip's <c>--precision</c>: "amp", its default, the mixed precision CLIP and the MoDE paper train with.</summary>
    public string Precision { get; init; } = "amp";

    /// <summary>The Python that has open_clip_train, as the compute node runs it.</summary>
    public string Python { get; init; } = "python";

    /// <summary>Submit the sbatch files (through <see cref="SbatchScript.Submit"/>); false: write them only.</summary>
    public bool Submit { get; init; }

    /// <summary>open_clip_train v3.3.0's <c>--precision</c> choices (params.py).</summary>
    public static IReadOnlyList<string> Precisions { get; } = ["amp", "amp_bf16", "amp_bfloat16", "bf16", "fp16", "pure_bf16", "pure_fp16", "fp32"];

    public OpenClipLaunchOptions Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Shards, nameof(Shards));
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 2, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(Tasks, 1, nameof(Tasks));
        if (!Precisions.Contains(Precision)) throw new ArgumentException($"'{Precision}' is not one of open_clip's precisions ({string.Join(", ", Precisions)})", nameof(Precision));
        ArgumentException.ThrowIfNullOrWhiteSpace(Python, nameof(Python));
        SlurmOptions.RequireOneLine(Python, nameof(Python));
        SlurmOptions.RequireOneLine(Shards, nameof(Shards));
        return this;
    }
}
