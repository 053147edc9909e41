using System.Text.Json;
using MoDE.Cluster;
using MoDE.Model;
using MoDE.Run;
using MoDE.Storage;
using TorchSharp.Modules;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Train;

/// <summary>
/// The full state of a CLIP training run: architecture, options (and so the schedule), model weights, AdamW state
/// (moments and step counts per parameter) and the global step. The data order is a pure function of
/// (seed, step), so no random-generator state is needed: loading and continuing gives the same result as never
/// having stopped. A MoDE expert starts as <see cref="Load"/> of the seed model's file.
/// On disk, one file: magic "MODETRN\0", format version (int32), a JSON header, the model's TorchSharp state
/// dictionary, then the optimizer's.
/// </summary>
public sealed class TrainState : IDisposable
{
    public const int FormatVersion = 2; // 2: open_clip-shaped config (vision_cfg, text_cfg, quick_gelu) and parameter names
    static ReadOnlySpan<byte> Magic => "MODETRN\0"u8;

    TrainState(ClipConfig config, TrainOptions options)
    {
        Config = config.Validate();
        Options = options.Validate();
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

    /// <summary>A fresh run at step 0, the model initialised from options.Seed.</summary>
    public static TrainState Create(ClipConfig config, TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        return new TrainState(config, options);
    }

    public ClipConfig Config { get; }
    public TrainOptions Options { get; }
    public Clip Model { get; }
    public AdamW Optimizer { get; }

    /// <summary>Optimizer steps taken so far; the next step has this 0-based index.</summary>
    public int Step { get; internal set; }

    public LearningRateSchedule Schedule => Options.Schedule;

    record Header(ClipConfig Config, TrainOptions Options, int Step);

    /// <summary>Writes the whole state to one file, atomically (a temporary file, then a rename). Tensors on a GPU are
    /// written as CPU tensors (TorchSharp copies them), so the file loads on any device.</summary>
    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(JsonSerializer.Serialize(new Header(Config, Options, Step)));
        Model.save(writer);
        Optimizer.save_state_dict(writer);
        writer.Flush();
    });

    /// <summary>Reads a state written by <see cref="Save"/>. <paramref name="threads"/>, when given, replaces the
    /// saved thread count (results are reproducible for a fixed count); <paramref name="options"/>, when given, supplies
    /// what is not saved (device, batch workers).</summary>
    public static TrainState Load(string path, int? threads = null, ProtocolOptions? options = null)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        Span<byte> magic = stackalloc byte[8];
        if (stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a MoDE training state (bad magic)");
        int version = reader.ReadInt32();
        if (version != FormatVersion)
            throw new InvalidDataException($"{path}: training state format version {version}, this build reads {FormatVersion}");
        var header = JsonSerializer.Deserialize<Header>(reader.ReadString())
            ?? throw new InvalidDataException($"{path}: empty header");
        var saved = threads is int t ? header.Options with { Threads = t } : header.Options;
        if (options is not null) saved = saved with { Device = options.Device, Workers = options.Workers };
        var state = new TrainState(header.Config, saved) { Step = header.Step };
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

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
    }
}
