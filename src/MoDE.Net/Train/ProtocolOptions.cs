namespace MoDE.Train;

/// <summary>
/// The MoDE training protocol (the MoDE paper: the experts continue the seed from epoch 27 of 32): a seed model trained on all data for the first
/// <see cref="SeedShare"/> of a schedule of <see cref="Steps"/> steps; each data expert resumes from the seed's full
/// state and runs the rest of the same schedule on its own data; the single-model baseline trains from scratch
/// for as many steps as the seed and all experts together, on its own schedule of that length.
/// </summary>
public sealed record ProtocolOptions
{
    /// <summary>Steps of one expert's whole schedule, seed part included. Sized so `mode run` fits 15 minutes on 2 cores.</summary>
    public int Steps { get; init; } = 400;

    /// <summary>Share of the schedule trained as the seed: 27 of 32 epochs in the paper.</summary>
    public double SeedShare { get; init; } = 27.0 / 32.0;

    /// <summary>Pairs per step (CLIP uses 32,768; 256 fits the tiny models on 2 cores).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Peak learning rate (CLIP ViT-B/32: 5e-4).</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Linear warmup steps (CLIP: 2000 of about 12,800 steps; here a similar share).</summary>
    public int WarmupSteps { get; init; } = 40;

    /// <summary>Text context length of the tiny text tower (captions here are short; CLIP uses 77).</summary>
    public int ContextLength { get; init; } = 32;

    /// <summary>Every this many steps the unfinished state is saved, so a killed run resumes.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Drives model initialisation and the data order of every model.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>The architecture: a preset of <see cref="ClipConfig.PresetNames"/> or an open_clip-style JSON file
    /// (<see cref="ClipConfig.Resolve"/>). "tiny" by default: the one that trains a whole run in minutes on 2 CPU cores;
    /// "tiny-vit" is its transformer twin. The tokenizer's <see cref="ContextLength"/> must equal the model's.</summary>
    public string Model { get; init; } = "tiny";

    /// <summary>Smallest share of the image area kept by the training crop (<see cref="RandomResizedCrop"/>):
    /// 0.9, open_clip's <c>scale=(0.9, 1.0)</c>; 1 turns augmentation off.</summary>
    public double CropScale { get; init; } = RandomResizedCrop.OpenClipMinScale;

    /// <summary>Threads that prepare batches ahead of the optimizer (<see cref="BatchLoader"/>); 0 = 2.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // batches are a pure function of (seed, step), so any count gives the same results
    public int Workers { get; init; }

    /// <summary>Where the model trains: "cpu" or "cuda".</summary>
    [System.Text.Json.Serialization.JsonIgnore] // checkpoints are saved as CPU tensors and load on either device
    public string Device { get; init; } = TrainDevice.Cpu;

    /// <summary>Threads for libtorch; 0 = one per core.</summary>
    [System.Text.Json.Serialization.JsonIgnore] // does not change results, so a rerun may use another count
    public int Threads { get; init; }

    /// <summary>The thread count to impose on a loaded state, or null to keep the one it was saved with.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int? ThreadCount => Threads > 0 ? Threads : null;

    public int SeedSteps => (int)Math.Round(Steps * SeedShare);
    public int ExpertSteps => Steps - SeedSteps;

    /// <summary>The baseline's length: the seed's steps plus every expert's own steps.</summary>
    public int BaselineSteps(int experts) => SeedSteps + experts * ExpertSteps;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 2, nameof(Steps));
        if (SeedShare is <= 0 or >= 1 || double.IsNaN(SeedShare))
            throw new ArgumentOutOfRangeException(nameof(SeedShare), SeedShare, "must lie strictly between 0 and 1");
        if (SeedSteps < 1 || ExpertSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"{Steps} steps at seed share {SeedShare} leave no steps for the seed or the experts");
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2, nameof(BatchSize));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps, nameof(WarmupSteps));
        ArgumentOutOfRangeException.ThrowIfLessThan(ContextLength, 3, nameof(ContextLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEvery, 1, nameof(CheckpointEvery));
        ArgumentException.ThrowIfNullOrWhiteSpace(Model, nameof(Model));
        if (!(CropScale > 0 && CropScale <= 1)) throw new ArgumentOutOfRangeException(nameof(CropScale), CropScale, "must lie in (0, 1]");
        ArgumentOutOfRangeException.ThrowIfNegative(Workers, nameof(Workers));
        TrainDevice.Check(Device);
    }

    /// <summary>Optimizer and schedule of one model whose schedule lasts <paramref name="totalSteps"/>.</summary>
    public TrainOptions Optimizer(int totalSteps) => new()
    {
        BatchSize = BatchSize, LearningRate = LearningRate, WarmupSteps = WarmupSteps, TotalSteps = totalSteps, Seed = Seed,
        Threads = ThreadCount ?? Environment.ProcessorCount, CropScale = CropScale, Workers = Workers, Device = Device,
    };
}
