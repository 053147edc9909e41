using System.Text.Json.Serialization;
using MoDE.Storage;
using MoDE.Tokenizer;

namespace MoDE.Train;

/// <summary>
/// Every training option of a run, each with the one default that runs use. The protocol is that of the MoDE paper
/// (Ma et al., CVPR 2024): a seed model trained on all data for the first <see cref="SeedShare"/> of a schedule of
/// <see cref="Steps"/> steps; each data expert resumes from the seed's full state and runs the rest of the same
/// schedule on its own data; the single-model baseline trains from scratch for as many steps as the seed and all
/// experts together, on its own schedule of that length (<see cref="BaselineSteps"/>). Every model uses AdamW with
/// OpenAI CLIP's hyper-parameters, scaled down in batch and length, and the learning-rate schedule of
/// <see cref="Schedule"/>.
/// <para>The length of one model's schedule is not an option: it is given where the model is created
/// (<see cref="TrainState.Create"/>) and saved with its state.</para>
/// <para>The JSON of this record is the train stage's marker (<c>RUN/train/done.json</c>) and the options file of a
/// Slurm task (<c>RUN/slurm/train.json</c>). It holds the options that decide the results, in a fixed order; what
/// does not change results (threads, workers, device) is left out, and so are the AdamW constants (see
/// <see cref="Beta1"/>).</para>
/// </summary>
public sealed record TrainOptions
{
    /// <summary>Steps of the seed's and each expert's whole schedule, seed part included: 400, sized so that
    /// <c>mode run</c> fits 15 minutes on 2 CPU cores.</summary>
    public int Steps { get; init; } = 400;

    /// <summary>Share of the schedule trained as the seed: 27/32, the paper's seed model trains 27 of 32 epochs.</summary>
    public double SeedShare { get; init; } = 27.0 / 32.0;

    /// <summary>Pairs per step; each pair's other captions in the batch are its negatives. OpenAI CLIP uses 32,768;
    /// 256 keeps the tiny models near their best throughput on 2 cores.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Peak learning rate: 5e-4, OpenAI CLIP's value for ViT-B/32 (and the MoDE paper's).</summary>
    public double LearningRate { get; init; } = 5e-4;

    /// <summary>Linear warmup steps: 40, a tenth of the default <see cref="Steps"/>. OpenAI CLIP warms up for 2,000
    /// iterations of a much longer run (32 epochs of 400M pairs at batch 32,768, about 390,000 steps); a schedule of a
    /// few hundred steps scales the warmup down with it.</summary>
    public int WarmupSteps { get; init; } = 40;

    /// <summary>The tiny presets' text context length, 32, as captions here are short (OpenAI CLIP uses 77). The run's
    /// tokenizer, learnt or CLIP's, takes the model's own length (77 for the open_clip presets); this field stays in the
    /// options record, always 32, so the options of runs made before still match.</summary>
    public int ContextLength { get; init; } = 32;

    /// <summary>Every this many steps the unfinished state is saved, so a killed run resumes: 100, a quarter of the
    /// default schedule lost at most, at the cost of a few saves per model.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Drives model initialisation (torch.manual_seed) and the data order of every model. Any fixed value
    /// reproduces a run; 1234 is the one runs have used.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>The architecture: a preset of <see cref="ClipConfig.PresetNames"/> or an open_clip-style JSON
    /// file (<see cref="ClipConfig.Resolve"/>). "tiny" by default: the one that trains a whole run in minutes on 2
    /// CPU cores; "tiny-vit" is its transformer twin. The run's tokenizer takes the model's context length and image
    /// size must equal the run's images'.</summary>
    public string Model { get; init; } = "tiny";

    /// <summary>Smallest share of the image area kept by the training crop (<see cref="RandomResizedCrop"/>): 0.9,
    /// open_clip's <c>scale=(0.9, 1.0)</c>; 1 turns augmentation off.</summary>
    public double CropScale { get; init; } = RandomResizedCrop.OpenClipMinScale;

    /// <summary>CLIP's own BPE vocabulary, a merges file in the format of open_clip's <c>bpe_simple_vocab_16e6.txt.gz</c>
    /// (<see cref="CaptionTokenizer.FromOpenClipMerges"/>: open_clip's ids, its 49,408 tokens), at the model's own
    /// context length (77 for the ViT presets). Null, the default: the run learns
    /// its vocabulary from its captions. Recorded by the file's identity; left out of the JSON when null, so the markers
    /// of runs without it read as before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FileIdentity? Tokenizer { get; init; }

    /// <summary>The open_clip checkpoint a run starts from (<see cref="PretrainedInit"/>); needs <see cref="Tokenizer"/>, the
    /// vocabulary whose ids its token embedding is indexed by. Null, the default: every model starts from random weights
    /// drawn from <see cref="Seed"/>. Left out of the JSON when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PretrainedInit? Init { get; init; }

    /// <summary>These options with <see cref="Tokenizer"/> the file at <paramref name="path"/>, identified now.</summary>
    public TrainOptions WithTokenizer(string path) => this with { Tokenizer = Identify(path, nameof(Tokenizer)) };

    /// <summary>These options with <see cref="Init"/> the checkpoint at <paramref name="path"/>, identified now, and the
    /// choices of <paramref name="seed"/> and <paramref name="models"/>.</summary>
    public TrainOptions WithInit(string path, PretrainedSeed seed = PretrainedInit.DefaultSeed, PretrainedModels models = PretrainedInit.DefaultModels) =>
        this with { Init = new PretrainedInit(Identify(path, nameof(Init)), seed, models) };

    /// <summary>A file an option names; an error naming the option when there is none to read.</summary>
    static FileIdentity Identify(string path, string option)
    {
        try { return FileIdentity.Of(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException(e.Message, option, e);
        }
    }

    /// <summary>AdamW beta1: 0.9, OpenAI CLIP's.
    /// <para>Not in the JSON, like <see cref="Beta2"/>, <see cref="Epsilon"/> and <see cref="WeightDecay"/>: they are
    /// CLIP's constants, set by no flag and no options file, and leaving them out keeps the train stage's marker of the
    /// runs made before they joined this record. A saved <see cref="TrainState"/> stores them.</para></summary>
    [JsonIgnore]
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW beta2: 0.98, OpenAI CLIP's (lower than the usual 0.999, for stability with large batches).</summary>
    [JsonIgnore]
    public double Beta2 { get; init; } = 0.98;

    /// <summary>AdamW epsilon: 1e-6, OpenAI CLIP's for its vision transformers.</summary>
    [JsonIgnore]
    public double Epsilon { get; init; } = 1e-6;

    /// <summary>Decoupled weight decay: 0.2, OpenAI CLIP's, applied to weight matrices and convolution kernels only,
    /// not to gains, biases, token and positional embeddings or the logit scale (<see cref="WeightDecayGroups"/>).</summary>
    [JsonIgnore]
    public double WeightDecay { get; init; } = 0.2;

    /// <summary>Threads that prepare batches ahead of the optimizer (<see cref="BatchLoader"/>); 0, the default, means
    /// <see cref="Trainer.DefaultWorkers"/>.</summary>
    [JsonIgnore] // batches are a pure function of (seed, step), so any count gives the same results
    public int Workers { get; init; }

    /// <summary>Where the model trains: "cpu" (the default: the tiny models train on CPU cores) or "cuda"
    /// (<see cref="TrainDevice"/>).</summary>
    [JsonIgnore] // checkpoints are saved as CPU tensors and load on either device
    public string Device { get; init; } = TrainDevice.Cpu;

    /// <summary>Threads for libtorch; 0, the default, means one per core. A model's state keeps the count it was
    /// created with (results are reproducible for a fixed count) unless a load asks for another.</summary>
    [JsonIgnore] // a rerun may use another count
    public int Threads { get; init; }

    /// <summary>The thread count to impose on a loaded state, or null to keep the one it was saved with.</summary>
    [JsonIgnore]
    public int? ThreadCount => Threads > 0 ? Threads : null;

    public int SeedSteps => (int)Math.Round(Steps * SeedShare);

    /// <summary>The seed steps this run trains: none when the seed is a pretrained checkpoint (<see cref="PretrainedSeed.Skip"/>).</summary>
    [JsonIgnore] // follows from Init, which the JSON holds
    public int TrainedSeedSteps => Init is { Seed: PretrainedSeed.Skip } ? 0 : SeedSteps;
    public int ExpertSteps => Steps - SeedSteps;

    /// <summary>The baseline's length: the seed's trained steps plus every expert's own steps (equal compute: a seed taken
    /// as pretrained costs this run nothing, and a baseline that starts from the same checkpoint gets none for it).</summary>
    public int BaselineSteps(int experts) => TrainedSeedSteps + experts * ExpertSteps;

    /// <summary>Throws, naming <see cref="Steps"/>, when the equal-compute baseline of a run with <paramref name="experts"/>
    /// experts (<see cref="BaselineSteps"/>; with a pretrained seed taken as it is, experts x expert steps only) cannot
    /// hold the warmup.</summary>
    public TrainOptions ValidateBaseline(int experts)
    {
        int steps = BaselineSteps(experts);
        if (WarmupSteps > steps)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps,
                $"the equal-compute baseline's {steps} steps ({(TrainedSeedSteps > 0 ? $"the seed's {TrainedSeedSteps} + " : "")}{experts} experts x {ExpertSteps}) cannot hold the {WarmupSteps} warmup steps; give more steps");
        return this;
    }

    /// <summary>The learning rate of a model whose schedule lasts <paramref name="totalSteps"/>.</summary>
    public LearningRateSchedule Schedule(int totalSteps) => new(LearningRate, WarmupSteps, totalSteps);

    /// <summary>Throws, naming the property, when a field is out of range.</summary>
    public TrainOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Steps, 2, nameof(Steps));
        if (SeedShare is <= 0 or >= 1 || double.IsNaN(SeedShare))
            throw new ArgumentOutOfRangeException(nameof(SeedShare), SeedShare, "must lie strictly between 0 and 1");
        if (SeedSteps < 1 || ExpertSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"{Steps} steps at seed share {SeedShare} leave no steps for the seed or the experts");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "needs at least 2 pairs (one positive, one negative)");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be positive and finite");
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps, nameof(WarmupSteps));
        ArgumentOutOfRangeException.ThrowIfLessThan(ContextLength, 3, nameof(ContextLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(CheckpointEvery, 1, nameof(CheckpointEvery));
        ArgumentException.ThrowIfNullOrWhiteSpace(Model, nameof(Model));
        if (!(CropScale > 0 && CropScale <= 1)) throw new ArgumentOutOfRangeException(nameof(CropScale), CropScale, "must lie in (0, 1]");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "must lie in [0, 1)");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "must lie in [0, 1)");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "must be positive");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "must be non-negative and finite");
        if (Workers < 0) throw new ArgumentOutOfRangeException(nameof(Workers), Workers, "must be 0 (default) or more");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be 0 (one per core) or more");
        TrainDevice.Check(Device);
        if (Init is { } init)
        {
            ArgumentNullException.ThrowIfNull(init.Checkpoint, nameof(Init));
            if (!Enum.IsDefined(init.Seed) || !Enum.IsDefined(init.Models)) throw new ArgumentOutOfRangeException(nameof(Init), init, "unknown seed or models choice");
            if (Tokenizer is null)
                throw new ArgumentException($"{nameof(Init)} needs the vocabulary its token embedding is indexed by (--tokenizer): a vocabulary learnt from this run's captions gives its tokens other ids", nameof(Init));
        }
        return this;
    }

    /// <summary><see cref="Validate()"/>, and a schedule of <paramref name="totalSteps"/> steps that holds the warmup.
    /// Every model of a run has a schedule of at least <see cref="Steps"/>; when that is the one too short, the error
    /// names <see cref="Steps"/>, the option a user sets, rather than the warmup.</summary>
    public TrainOptions Validate(int totalSteps)
    {
        Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1, nameof(totalSteps));
        if (WarmupSteps > totalSteps && totalSteps == Steps)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"{Steps} steps cannot hold the {WarmupSteps} warmup steps; give at least {WarmupSteps}");
        if (WarmupSteps > totalSteps)
            throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, $"must be at most the schedule's {totalSteps} steps");
        return this;
    }
}
