using System.Buffers.Binary;
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
/// On disk, one file: magic "MODETRN\0", format version (int32), then a <see cref="ChecksummedPayload"/> (length and
/// checksum) holding a JSON header, the model's TorchSharp state dictionary and the optimizer's. A reader checks the
/// length and checksum, then the header (config, options, schedule, step) and that the file can hold the tensors the
/// header's model needs, before it allocates a tensor; every way the file can be wrong is one
/// <see cref="InvalidDataException"/> naming it.
/// </summary>
public sealed class TrainState : IDisposable
{
    /// <summary>4: everything after the version is a <see cref="ChecksummedPayload"/>, so a truncated or damaged file
    /// is refused. 3: the header holds the run's <see cref="TrainOptions"/> as the train stage's marker has them, and
    /// beside them the schedule's length, the thread count and the AdamW constants. 2: open_clip-shaped config
    /// (vision_cfg, text_cfg, quick_gelu) and parameter names, and the one model's options (with TotalSteps, Threads and
    /// the AdamW constants) in the header. 3 and 2 are still read, without a checksum to verify.</summary>
    public const int FormatVersion = 4;
    const int OldestReadableVersion = 2;
    const int FirstChecksummedVersion = 4;
    static ReadOnlySpan<byte> Magic => "MODETRN\0"u8;

    /// <summary>A header is about 1 KB; more than this is a damaged length, not a header to allocate.</summary>
    const int MaxHeaderBytes = 1 << 20;

    TrainState(ClipConfig config, TrainOptions options, int totalSteps, string? init = null)
    {
        Config = config.Validate();
        // The thread count is resolved here and saved with the state: results are reproducible for a fixed count.
        Options = options.Validate(totalSteps) with { Threads = options.ThreadCount ?? Environment.ProcessorCount };
        TotalSteps = totalSteps;
        torch.manual_seed(options.Seed); // for anything drawing on torch's global generator; the weights use their own
        Model = init is null ? new Clip(config, options.Seed) : Clip.FromOpenClip(config, init);
        if (options.Device != TrainDevice.Cpu) Model.to(TrainDevice.Of(options.Device)); // before the optimizer takes the parameters
        var (decayed, notDecayed) = WeightDecayGroups.Split(Model);
        Optimizer = torch.optim.AdamW(
            [
                new AdamW.ParamGroup(decayed.Select(p => p.Parameter), options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay),
                new AdamW.ParamGroup(notDecayed.Select(p => p.Parameter), options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, weight_decay: 0),
            ],
            options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
    }

    /// <summary>A fresh model at step 0, initialised from options.Seed, or with the weights of the open_clip checkpoint
    /// <paramref name="init"/> when one is given (<see cref="Clip.FromOpenClip"/>), whose schedule lasts
    /// <paramref name="totalSteps"/> (the cosine reaches 0 there): <see cref="TrainOptions.Steps"/> for the seed model,
    /// whose schedule the experts continue, <see cref="TrainOptions.BaselineSteps"/> for the equal-compute baseline.</summary>
    public static TrainState Create(ClipConfig config, TrainOptions options, int totalSteps, string? init = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        return new TrainState(config, options, totalSteps, init);
    }

    public ClipConfig Config { get; }

    /// <summary>The options it trains with; <see cref="TrainOptions.Threads"/> is the resolved count, at least 1.</summary>
    public TrainOptions Options { get; }

    /// <summary>Length of this model's schedule. MoDE's experts continue the seed's schedule, so they share it.</summary>
    public int TotalSteps { get; }

    public Clip Model { get; }
    public AdamW Optimizer { get; }

    /// <summary>AdamW's state (step count and moments) of every parameter, by the parameter's name. TorchSharp's
    /// <c>state_dict().State</c> lists it group by group in the order the constructor gave the parameters: those of
    /// <see cref="WeightDecayGroups.Split"/>, decayed then not. The states are the optimizer's own, not copies.</summary>
    public IReadOnlyDictionary<string, AdamW.State> Moments()
    {
        var (decayed, notDecayed) = WeightDecayGroups.Split(Model);
        var states = Optimizer.state_dict().State;
        var names = decayed.Concat(notDecayed).Select(p => p.Name).ToList();
        if (names.Count != states.Count) throw new InvalidOperationException($"the optimizer holds {states.Count} states for {names.Count} parameters");
        return names.Zip(states).ToDictionary(p => p.First, p => (AdamW.State)p.Second, StringComparer.Ordinal);
    }

    /// <summary>Optimizer steps taken so far; the next step has this 0-based index.</summary>
    public int Step { get; internal set; }

    public LearningRateSchedule Schedule => Options.Schedule(TotalSteps);

    /// <summary>The header's JSON. The options' JSON leaves out what is not theirs to record (threads, AdamW
    /// constants), so those are fields of their own here, named as in format 2's options.</summary>
    record Header(ClipConfig Config, TrainOptions Options, int TotalSteps, int Threads,
                  double Beta1, double Beta2, double Epsilon, double WeightDecay, int Step);

    /// <summary>Writes the whole state to one file, atomically (a temporary file, then a rename). Tensors on a GPU are
    /// written as CPU tensors (TorchSharp copies them), so the file loads on any device. A disk without room for the
    /// weights and AdamW's two moments of each (a lower bound of the file) fails before writing; the last checkpoint stays.</summary>
    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        stream.Write(Magic);
        Span<byte> version = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(version, FormatVersion);
        stream.Write(version);
        ChecksummedPayload.Write(stream, payload =>
        {
            using var writer = new BinaryWriter(payload, System.Text.Encoding.UTF8, leaveOpen: true);
            writer.Write(JsonSerializer.Serialize(new Header(Config, Options, TotalSteps, Options.Threads,
                Options.Beta1, Options.Beta2, Options.Epsilon, Options.WeightDecay, Step)));
            Model.save(writer);
            Optimizer.save_state_dict(writer);
            writer.Flush();
        });
    }, bytes: 3 * Model.parameters().Sum(p => p.NumberOfElements * p.ElementSize));

    /// <summary>Reads a state written by <see cref="Save"/>, in this format or formats 3 and 2. <paramref name="threads"/>,
    /// when given, replaces the saved thread count (results are reproducible for a fixed count); <paramref name="options"/>,
    /// when given, supplies what is not saved (device, batch workers): the run's options, as the run continues. Throws
    /// <see cref="InvalidDataException"/> naming the file when it is not a whole, undamaged state.</summary>
    public static TrainState Load(string path, int? threads = null, TrainOptions? options = null)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        Span<byte> preamble = stackalloc byte[12];
        if (stream.ReadAtLeast(preamble, preamble.Length, throwOnEndOfStream: false) < preamble.Length || !preamble[..8].SequenceEqual(Magic))
            throw new InvalidDataException($"{path}: not a MoDE training state (bad magic, or shorter than {preamble.Length} bytes)");
        int version = BinaryPrimitives.ReadInt32LittleEndian(preamble[8..]);
        if (version < OldestReadableVersion || version > FormatVersion)
            throw new InvalidDataException($"{path}: training state format version {version}, this build reads {OldestReadableVersion} to {FormatVersion}");
        if (version >= FirstChecksummedVersion) ChecksummedPayload.Verify(stream, path, "training state");
        var (config, saved, totalSteps, step) = ReadHeader(path, reader);
        RequireTensorBytes(path, config, stream.Length - stream.Position);
        if (threads is int t) saved = saved with { Threads = t };
        if (options is not null) saved = saved with { Device = options.Device, Workers = options.Workers };
        var state = new TrainState(config, saved, totalSteps) { Step = step };
        try
        {
            state.Model.load(reader);
            state.Optimizer.load_state_dict(reader);
            if (stream.Position != stream.Length) throw new InvalidDataException($"{path}: {stream.Length - stream.Position} unexpected trailing bytes");
        }
        catch (Exception e)
        {
            state.Dispose();
            if (e is InvalidDataException) throw;
            // TorchSharp reads shapes and bytes into the tensors the header's model made; a file that ends early or
            // disagrees with them fails there, in TorchSharp's words, which name no file.
            throw new InvalidDataException(e is EndOfStreamException
                ? $"{path}: truncated training state (its tensors run past the end of the file's {stream.Length} bytes)"
                : $"{path}: tensors that do not fit the header's model ({e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")})", e);
        }
        return state;
    }

    /// <summary>Throws unless <paramref name="available"/> bytes can hold the tensors of <paramref name="config"/>'s model:
    /// its float32 weights and AdamW's two float32 moments per weight (TorchSharp adds names and shapes), counted on the
    /// meta device (shapes, no storage), so a header that claims a huge model in a small file allocates nothing.</summary>
    static void RequireTensorBytes(string path, ClipConfig config, long available)
    {
        long needed;
        using (var meta = new Clip(config, device: torch.META)) needed = 3 * sizeof(float) * meta.ParameterCount;
        if (available < needed)
            throw new InvalidDataException($"{path}: truncated training state (the header's model needs at least {needed} bytes of weights and AdamW moments, the file has {available} after the header)");
    }

    /// <summary>The header of format 4 and 3, or of format 2, whose options held the schedule's length, the thread count
    /// and the AdamW constants among them (the options it shares with <see cref="TrainOptions"/> are read by name; those
    /// it lacks, such as <see cref="TrainOptions.Steps"/>, keep their defaults, and no single model's training reads
    /// them). The config, options, schedule and step are validated here: a header is data, and its errors name the file.</summary>
    static (ClipConfig Config, TrainOptions Options, int TotalSteps, int Step) ReadHeader(string path, BinaryReader reader)
    {
        try
        {
            int length = reader.Read7BitEncodedInt(); // BinaryWriter.Write(string)'s prefix
            long left = reader.BaseStream.Length - reader.BaseStream.Position;
            if (length < 0 || length > MaxHeaderBytes) throw new InvalidDataException($"{path}: damaged training state (a header of {length} bytes)");
            if (length > left) throw new InvalidDataException($"{path}: truncated training state (a header of {length} bytes, {left} left in the file)");
            string json = System.Text.Encoding.UTF8.GetString(reader.ReadBytes(length));
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
            int totalSteps = Field("TotalSteps").GetValue<int>();
            int step = (header["Step"] ?? throw new InvalidDataException($"{path}: header without a step")).GetValue<int>();
            config.Validate();
            options.Validate(totalSteps);
            if (step < 0 || step > totalSteps) throw new InvalidDataException($"{path}: header's step {step} lies outside its schedule of {totalSteps} steps");
            return (config, options, totalSteps, step);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: unreadable header: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
    }
}
