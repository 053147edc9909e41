namespace MoDE.Train;

/// <summary>
/// Everything that drives one CLIP training run besides the architecture and the data.
/// Defaults follow OpenAI CLIP's hyper-parameters (MoDE uses them too), scaled down in batch and length.
/// </summary>
public sealed record TrainOptions
{
    /// <summary>Pairs per step; each pair's other captions in the batch are its negatives. CLIP uses 32,768;
    /// 256 keeps a tiny model near its best throughput on 2 cores.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Peak learning rate: 5e-4, OpenAI CLIP's value for ViT-B/32 (and MoDE's).</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Linear warmup length. CLIP warms up for 2,000 of about 400,000 steps; short runs here need a shorter
    /// warmup, about 5% of <see cref="TotalSteps"/>.</summary>
    public int WarmupSteps { get; init; } = 200;

    /// <summary>Length of the whole schedule; the cosine reaches 0 here. MoDE's experts continue the seed run's
    /// schedule, so they share this value with it.</summary>
    public int TotalSteps { get; init; } = 4000;

    /// <summary>AdamW beta1: 0.9 (CLIP).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW beta2: 0.98 (CLIP; lower than the usual 0.999 for stability with large batches).</summary>
    public double Beta2 { get; init; } = 0.98;

    /// <summary>AdamW epsilon: 1e-6 (CLIP).</summary>
    public double Epsilon { get; init; } = 1e-6;

    /// <summary>Decoupled weight decay 0.2 (CLIP), applied to weight matrices and convolution kernels only, not to
    /// gains, biases, token and positional embeddings or the logit scale (see <see cref="WeightDecayGroups"/>).</summary>
    public double WeightDecay { get; init; } = 0.2;

    /// <summary>Drives model initialisation (torch.manual_seed) and the data order of every pass.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>CPU threads for libtorch. Results are reproducible for a fixed thread count.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Smallest share of the image area kept by the training crop (<see cref="RandomResizedCrop"/>); 1, the
    /// default here, trains on the plain images. <see cref="ProtocolOptions"/> uses open_clip's 0.9.</summary>
    public double CropScale { get; init; } = 1;

    /// <summary>Threads that prepare batches ahead of the optimizer; 0 = 2. Any count gives the same batches.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Workers { get; init; }

    /// <summary>"cpu" or "cuda" (<see cref="TrainDevice"/>). Saved states are device-independent.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Device { get; init; } = TrainDevice.Cpu;

    /// <summary>Throws, naming the property, when a field is out of range.</summary>
    public TrainOptions Validate()
    {
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "needs at least 2 pairs (one positive, one negative)");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be positive and finite");
        if (TotalSteps < 1) throw new ArgumentOutOfRangeException(nameof(TotalSteps), TotalSteps, "must be at least 1");
        if (WarmupSteps < 0 || WarmupSteps > TotalSteps) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, $"must lie in 0..TotalSteps ({TotalSteps})");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "must lie in [0, 1)");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "must lie in [0, 1)");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "must be positive");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "must be non-negative and finite");
        if (!(CropScale > 0 && CropScale <= 1)) throw new ArgumentOutOfRangeException(nameof(CropScale), CropScale, "must lie in (0, 1]");
        if (Workers < 0) throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "must be 0 (default) or more");
        TrainDevice.Check(Device);
        if (Threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be at least 1");
        return this;
    }

    public LearningRateSchedule Schedule => new(LearningRate, WarmupSteps, TotalSteps);
}
