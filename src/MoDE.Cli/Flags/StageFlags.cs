using MoDE.Cluster;
using MoDE.Data.Import;
using MoDE.Data.Ingest;
using MoDE.Data.Synthetic;
using MoDE.Embed;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Train;

namespace MoDE.Cli.Flags;

/// <summary>
/// The flags of each stage's options record. Each default comes from the record; the help text says what the field
/// means, never its value.
/// </summary>
public static class StageFlags
{
    public static readonly Flag<SyntheticWebOptions, int> Pairs = new("--pairs", "Training pairs of the built-in dataset",
        nameof(SyntheticWebOptions.Pairs), o => o.Pairs, (o, v) => o with { Pairs = v });
    public static readonly Flag<SyntheticWebOptions, double> Noise = new("--noise", "Share of noisy pairs in the built-in dataset",
        nameof(SyntheticWebOptions.NoiseShare), o => o.NoiseShare, (o, v) => o with { NoiseShare = v });
    public static readonly Flag<SyntheticWebOptions, int> DataImageSize = new("--image-size", "Side of the square images, in pixels",
        nameof(SyntheticWebOptions.ImageSize), o => o.ImageSize, (o, v) => o with { ImageSize = v });
    /// <summary>Applies to either source of pairs, as <c>--image-size</c>: <see cref="RunFlags.Options"/> copies it into a --source's record.</summary>
    public static readonly Flag<SyntheticWebOptions, long> ShardBytes = new("--shard-bytes", "Bytes of pixels per image shard file, pairs/images/NNNNN.npy (at least one image)",
        nameof(SyntheticWebOptions.ShardBytes), o => o.ShardBytes, (o, v) => o with { ShardBytes = v });
    public static FlagSet<SyntheticWebOptions> Data { get; } = new(Pairs, Noise, DataImageSize, ShardBytes);

    public static readonly Flag<SourceOptions, string> Source = new("--source",
        "Your data instead of the built-in dataset: WebDataset shards (data/{00000..00099}.tar), a CSV/TSV/Parquet manifest, or a folder of images with .txt captions",
        nameof(SourceOptions.Source), o => o.Source, (o, v) => o with { Source = v });
    public static readonly Flag<SourceOptions, SourceFormat> Format = new("--format", "Format of --source when its name does not tell",
        nameof(SourceOptions.Format), o => o.Format, (o, v) => o with { Format = v });
    public static readonly Flag<SourceOptions, int> MaxPairs = new("--max-pairs", "Stop after this many pairs of --source are kept (0: all)",
        nameof(SourceOptions.MaxPairs), o => o.MaxPairs, (o, v) => o with { MaxPairs = v });
    public static readonly Flag<SourceOptions, double> HeldOut = new("--held-out",
        "Share of --source's images held out of training as the retrieval task tasks/held-out, which the eval stage scores (0: none; then give --tasks)",
        nameof(SourceOptions.HeldOut), o => o.HeldOut, (o, v) => o with { HeldOut = v });
    public static readonly Flag<SourceOptions, PixelStore> Pixels = new("--pixels",
        "Where training reads --source's images: Stored (decoded once into pairs/images), Source (the WebDataset .tar shards in place, decoded at every step), Auto (Source from 128 px)",
        nameof(SourceOptions.Pixels), o => o.Pixels, (o, v) => o with { Pixels = v });
    /// <summary>The source's own image size flag: <c>--image-size</c> sets both records, whichever the run ingests.</summary>
    public static readonly Flag<SourceOptions, int> SourceImageSize = new("--image-size", "Side of the square images, in pixels",
        nameof(SourceOptions.ImageSize), o => o.ImageSize, (o, v) => o with { ImageSize = v });
    /// <summary>The flags only a --source applies; <c>--image-size</c> is declared by <see cref="Data"/>.</summary>
    public static FlagSet<SourceOptions> SourceOnly { get; } = new(Format, MaxPairs, HeldOut, Pixels);

    public static readonly Flag<EmbedOptions, string> Encoder = new("--encoder",
        "Caption encoder: all-MiniLM-L6-v2, arctic-embed-xs, or a folder with model.onnx, vocab.txt, encoder.json",
        nameof(EmbedOptions.Encoder), o => o.Encoder, (o, v) => o with { Encoder = v });
    public static readonly Flag<EmbedOptions, bool> Float16 = new("--float16", "Store caption embeddings as float16 (half the disk)",
        nameof(EmbedOptions.Precision), o => o.Precision == EmbeddingPrecision.Float16, (o, v) => o with { Precision = v ? EmbeddingPrecision.Float16 : EmbeddingPrecision.Float32 });
    public static FlagSet<EmbedOptions> Embed { get; } = new(Encoder, Float16);
    public static readonly Flag<EmbedOptions, string> EncoderDevice = new("--embed-device", "Where the caption encoder runs: cpu or cuda (needs the -p:TorchBackend=cuda build)",
        EmbedDevice.Property, o => o.Device, (o, v) => o with { Device = v });
    /// <summary>Where embedding runs, never what it computes: also applies over an <c>--embed-options</c> file.</summary>
    public static FlagSet<EmbedOptions> EmbedMachine { get; } = new(EncoderDevice);

    public static readonly Flag<ClusterOptions, int> Fine = new("--fine", "Fine clusters m",
        nameof(ClusterOptions.FineClusters), o => o.FineClusters, (o, v) => o with { FineClusters = v }, "-m");
    public static readonly Flag<ClusterOptions, int> Experts = new("--experts", "Coarse clusters n = data experts",
        nameof(ClusterOptions.CoarseClusters), o => o.CoarseClusters, (o, v) => o with { CoarseClusters = v }, "-n");
    public static FlagSet<ClusterOptions> Cluster { get; } = new(Fine, Experts);

    public static readonly Flag<SplitOptions, double> Overlap = new("--overlap",
        "Overlapping experts (0: disjoint): a fine cluster whose second-nearest coarse center is within a factor 1 + this of its own also feeds that expert",
        nameof(SplitOptions.Overlap), o => o.Overlap, (o, v) => o with { Overlap = v });
    public static FlagSet<SplitOptions> Split { get; } = new(Overlap);

    public static readonly Flag<TrainOptions, int> Steps = new("--steps", "Steps of one expert's schedule, seed part included",
        nameof(TrainOptions.Steps), o => o.Steps, (o, v) => o with { Steps = v });
    public static readonly Flag<TrainOptions, double> SeedShare = new("--seed-share", "Share of the schedule trained as the seed model (the paper: 27 of 32 epochs)",
        nameof(TrainOptions.SeedShare), o => o.SeedShare, (o, v) => o with { SeedShare = v });
    public static readonly Flag<TrainOptions, int> Batch = new("--batch", "Training batch size",
        nameof(TrainOptions.BatchSize), o => o.BatchSize, (o, v) => o with { BatchSize = v });
    public static readonly Flag<TrainOptions, string> Model = new("--model",
        "CLIP architecture (open_clip's flag): tiny, tiny-vit, ViT-B-32, ViT-B-16, ViT-L-14, or an open_clip-style JSON config file",
        nameof(TrainOptions.Model), o => o.Model, (o, v) => o with { Model = v });
    public static readonly Flag<TrainOptions, double> CropScale = new("--crop-scale", "Smallest image area share kept by the training crop (open_clip's; 1 turns augmentation off)",
        nameof(TrainOptions.CropScale), o => o.CropScale, (o, v) => o with { CropScale = v });
    public static readonly Flag<TrainOptions, string?> Tokenizer = new("--tokenizer",
        "CLIP's own BPE vocabulary, open_clip's bpe_simple_vocab_16e6.txt.gz, instead of one learnt from the captions (open_clip's ids, the model's context length)",
        nameof(TrainOptions.Tokenizer), o => o.Tokenizer?.Path, (o, v) => o.WithTokenizer(v!));
    public static readonly Flag<TrainOptions, string?> Init = new("--init",
        "open_clip checkpoint (open_clip_model.safetensors) of the --model architecture that the seed model starts from; needs --tokenizer",
        nameof(TrainOptions.Init), o => o.Init?.Checkpoint.Path, (o, v) => o.WithInit(v!));
    public static readonly Flag<TrainOptions, PretrainedSeed> InitSeed = new("--init-seed",
        "What the seed does with --init: Skip (it is the checkpoint, no seed steps; the experts continue from it) or Finetune (it trains its seed share from it)",
        "InitSeed", o => o.Init?.Seed ?? PretrainedInit.DefaultSeed, (o, v) => o with { Init = Pretrained(o, "InitSeed") with { Seed = v } });
    public static readonly Flag<TrainOptions, PretrainedModels> InitModels = new("--init-models",
        "Which models start from --init: Seed (the experts and the single model continue from it) or All (the equal-compute baseline too)",
        "InitModels", o => o.Init?.Models ?? PretrainedInit.DefaultModels, (o, v) => o with { Init = Pretrained(o, "InitModels") with { Models = v } });
    /// <summary>The flags a <c>--train-options</c> file replaces. <c>--init</c> comes before the flags that refine it.</summary>
    public static FlagSet<TrainOptions> Train { get; } = new(Steps, SeedShare, Batch, Model, CropScale, Tokenizer, Init, InitSeed, InitModels);

    static PretrainedInit Pretrained(TrainOptions options, string property) =>
        options.Init ?? throw new ArgumentException($"{property} applies only with {Init.Option.Name}", property);

    public static readonly Flag<TrainOptions, string> Device = new("--device", "Where training runs: cpu or cuda (needs the -p:TorchBackend=cuda build)",
        nameof(TrainOptions.Device), o => o.Device, (o, v) => o with { Device = v });
    public static readonly Flag<TrainOptions, int> Workers = new("--workers", "Threads preparing training batches ahead (0: 2; results do not depend on it)",
        nameof(TrainOptions.Workers), o => o.Workers, (o, v) => o with { Workers = v });
    /// <summary>Where and how fast training runs, never what it computes: these also apply over a <c>--train-options</c> file.</summary>
    public static FlagSet<TrainOptions> TrainMachine { get; } = new(Device, Workers);

    public static readonly Flag<SlurmOptions, string> Partition = new("--partition", "Slurm partition",
        nameof(SlurmOptions.Partition), o => o.Partition, (o, v) => o with { Partition = v });
    public static readonly Flag<SlurmOptions, string> Time = new("--time", "Slurm time limit per task, e.g. 04:00:00",
        nameof(SlurmOptions.Time), o => o.Time, (o, v) => o with { Time = v });
    public static readonly Flag<SlurmOptions, int> Cpus = new("--cpus", "Slurm CPUs per task",
        nameof(SlurmOptions.Cpus), o => o.Cpus, (o, v) => o with { Cpus = v });
    public static readonly Flag<SlurmOptions, int> Gpus = new("--gpus", "Slurm GPUs per task",
        nameof(SlurmOptions.Gpus), o => o.Gpus, (o, v) => o with { Gpus = v });
    public static readonly Flag<SlurmOptions, string> Memory = new("--mem", "Slurm memory per task, e.g. 8G",
        nameof(SlurmOptions.Memory), o => o.Memory, (o, v) => o with { Memory = v });
    public static readonly Flag<SlurmOptions, string> Account = new("--account", "Slurm account",
        nameof(SlurmOptions.Account), o => o.Account, (o, v) => o with { Account = v });
    public static readonly Flag<SlurmOptions, string[]> Sbatch = new("--sbatch", "Extra #SBATCH flag, e.g. --sbatch=--qos=high (repeatable)",
        nameof(SlurmOptions.ExtraFlags), o => [.. o.ExtraFlags], (o, v) => o with { ExtraFlags = v });
    public static FlagSet<SlurmOptions> Slurm { get; } = new(Partition, Time, Cpus, Gpus, Memory, Account, Sbatch);

    public static readonly Flag<FashionMnistOptions, string> FashionRoot = new("--root", "Where the Debian package installed the corpus",
        nameof(FashionMnistOptions.Root), o => o.Root, (o, v) => o with { Root = v });
    public static readonly Flag<FashionMnistOptions, int> FashionImageSize = new("--image-size", "Side of the square images, in pixels",
        nameof(FashionMnistOptions.ImageSize), o => o.ImageSize, (o, v) => o with { ImageSize = v });
    public static readonly Flag<FashionMnistOptions, int> FashionPairs = new("--pairs", "Training images kept as pairs (0: all 60,000)",
        nameof(FashionMnistOptions.Pairs), o => o.Pairs, (o, v) => o with { Pairs = v });
    public static readonly Flag<FashionMnistOptions, bool> TaskOnly = new("--task-only", "Only the zero-shot task (test split), to evaluate models trained on another corpus",
        nameof(FashionMnistOptions.TaskOnly), o => o.TaskOnly, (o, v) => o with { TaskOnly = v });
    public static readonly Flag<FashionMnistOptions, int> FashionSeed = new("--seed", "Seed of the sample of training images",
        nameof(FashionMnistOptions.Seed), o => o.Seed, (o, v) => o with { Seed = v });
    public static FlagSet<FashionMnistOptions> FashionMnist { get; } = new(FashionRoot, FashionImageSize, FashionPairs, TaskOnly, FashionSeed);
}
