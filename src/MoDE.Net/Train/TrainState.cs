using System.Text.Json;
using System.Text.Json.Nodes;
using MoDE.Model;
using MoDE.Storage;
using TorchSharp.Modules;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Train;

/// <summary>
/// The full state of a CLIP training run: architecture, options, the length of its schedule, model weights, AdamW
/// state (moments and step counts per parameter) and the global step. The data order is a pure function of
/// (seed, step), so no random-generator state is needed: loading and continuing gives the same result as never
/// having stopped. A MoDE expert starts as <see cref="Load"/> of the seed model's file.
/// On disk, one file: magic "MODETRN\0", format version (int32), a JSON header, the model's TorchSharp state
/// dictionary, then the optimizer's.
/// </summary>
public sealed class TrainState : IDisposable
{
    /// <summary>3: the header holds the run's <see cref="TrainOptions"/> as the train stage's marker has them, and beside
    /// them the schedule's length, the thread count and the AdamW constants. 2: open_clip-shaped config (vision_cfg,
    /// text_cfg, quick_gelu) and parameter names, and the one model's options (with TotalSteps, Threads and the AdamW
    /// constants) in the header; still read.</summary>
    public const int FormatVersion = 3;
    const int OldestReadableVersion = 2;
    static ReadOnlySpan<byte> Magic => "MODETRN\0"u8;

    TrainState(ClipConfig config, TrainOptions options, int totalSteps)
    {
        Config = config.Validate();
        // The thread count is resolved here and saved with the state: results are reproducible for a fixed count.
        Options = options.Validate(totalSteps) with { Threads = options.ThreadCount ?? Environment.ProcessorCount };
        TotalSteps = totalSteps;
        torch.manual_seed(options.Seed); // for anything drawing on torch's global generator; the weights use their own
        Model = new Clip(config, options.Seed);
        if (options.Device != TrainDevice.Cpu) Model.to(TrainDevice.Of(options.Device)); // before the optimizer takes the parameters
        var (decayed, notDecayed) = WeightDecayGroups.Split(Model);
        Optimizer = torch.optim.AdamW(
            [
                new AdamW.ParamGroup(decayed.Select(p => p.Parameter), options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay),
                new AdamW.ParamGroup(notDecayed.Select(p => p.Parameter), options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, weight_decay: 0),
            ],
            options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
    }

    /// <summary>A fresh model at step 0, initialised from options.Seed, whose schedule lasts
    /// <paramref name="totalSteps"/> (the cosine reaches 0 there): <see cref="TrainOptions.Steps"/> for the seed model,
    /// whose schedule the experts continue, <see cref="TrainOptions.BaselineSteps"/> for the equal-compute baseline.</summary>
    public static TrainState Create(ClipConfig config, TrainOptions options, int totalSteps)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        return new TrainState(config, options, totalSteps);
    }

    public ClipConfig Config { get; }

    /// <summary>The options it trains with; <see cref="TrainOptions.Threads"/> is the resolved count, at least 1.</summary>
    public TrainOptions Options { get; }

    /// <summary>Length of this model's schedule. MoDE's experts continue the seed's schedule, so they share it.</summary>
    public int TotalSteps { get; }

    public Clip Model { get; }
    public AdamW Optimizer { get; }

    /// <summary>Optimizer steps taken so far; the next step has this 0-based index.</summary>
    public int Step { get; internal set; }

    public LearningRateSchedule Schedule => Options.Schedule(TotalSteps);

    /// <summary>The header's JSON. The options' JSON leaves out what is not theirs to record (threads, AdamW
    /// constants), so those are fields of their own here, named as in format 2's options.</summary>
    record Header(ClipConfig Config, TrainOptions Options, int TotalSteps, int Threads,
                  double Beta1, double Beta2, double Epsilon, double WeightDecay, int Step);

    /// <summary>Writes the whole state to one file, atomically (a temporary file, then a rename). Tensors on a GPU are
    /// written as CPU tensors (TorchSharp copies them), so the file loads on any device.</summary>
    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(JsonSerializer.Serialize(new Header(Config, Options, TotalSteps, Options.Threads,
            Options.Beta1, Options.Beta2, Options.Epsilon, Options.WeightDecay, Step)));
        Model.save(writer);
        Optimizer.save_state_dict(writer);
        writer.Flush();
    });

    /// <summary>Reads a state written by <see cref="Save"/>, in this format or format 2. <paramref name="threads"/>, when
    /// given, replaces the saved thread count (results are reproducible for a fixed count); <paramref name="options"/>,
    /// when given, supplies what is not saved (device, batch workers): the run's options, as the run continues.</summary>
    public static TrainState Load(string path, int? threads = null, TrainOptions? options = null)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        Span<byte> magic = stackalloc byte[8];
        if (stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a MoDE training state (bad magic)");
        int version = reader.ReadInt32();
        if (version < OldestReadableVersion || version > FormatVersion)
            throw new InvalidDataException($"{path}: training state format version {version}, this build reads {OldestReadableVersion} to {FormatVersion}");
        var (config, saved, totalSteps, step) = ReadHeader(path, reader.ReadString());
        if (threads is int t) saved = saved with { Threads = t };
        if (options is not null) saved = saved with { Device = options.Device, Workers = options.Workers };
        var state = new TrainState(config, saved, totalSteps) { Step = step };
        try
        {
            state.Model.load(reader);
            state.Optimizer.load_state_dict(reader);
            if (stream.Position != stream.Length) throw new InvalidDataException($"{path}: {stream.Length - stream.Position} unexpected trailing bytes");
        }
        catch
        {
            state.Dispose();
            throw;
        }
        return state;
    }

    /// <summary>The header of format 3, or of format 2, whose options held the schedule's length, the thread count and
    /// the AdamW constants among them (the options it shares with <see cref="TrainOptions"/> are read by name; those it
    /// lacks, such as <see cref="TrainOptions.Steps"/>, keep their defaults, and no single model's training reads them).</summary>
    static (ClipConfig Config, TrainOptions Options, int TotalSteps, int Step) ReadHeader(string path, string json)
    {
        try
        {
            var header = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{path}: empty header");
            var savedOptions = header["Options"] ?? throw new InvalidDataException($"{path}: header without options");
            JsonNode Field(string name) => header[name] ?? savedOptions[name] ?? throw new InvalidDataException($"{path}: header without {name}");
            var config = header["Config"]?.Deserialize<ClipConfig>() ?? throw new InvalidDataException($"{path}: header without a config");
            var options = (savedOptions.Deserialize<TrainOptions>() ?? throw new InvalidDataException($"{path}: header without options")) with
            {
                Threads = Field("Threads").GetValue<int>(),
                Beta1 = Field("Beta1").GetValue<double>(),
                Beta2 = Field("Beta2").GetValue<double>(),
                Epsilon = Field("Epsilon").GetValue<double>(),
                WeightDecay = Field("WeightDecay").GetValue<double>(),
            };
            int step = (header["Step"] ?? throw new InvalidDataException($"{path}: header without a step")).GetValue<int>();
            return (config, options, Field("TotalSteps").GetValue<int>(), step);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: unreadable header: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
    }
}
