using System.CommandLine;
using System.CommandLine.Parsing;
using MoDE.Data.Ingest;
using MoDE.Run;

namespace MoDE.Cli.Flags;

/// <summary>
/// The flags that build a <see cref="RunOptions"/>: the run directory, the one seed and the thread count that reach
/// several stages, and the stage flag sets a verb asks for. Flags that cannot apply together are rejected at parse time.
/// </summary>
public static class RunFlags
{
    public static readonly Option<string> Run = new("--run")
    {
        Description = "Run directory", DefaultValueFactory = _ => Path.Combine("runs", "synthetic-web"),
    };
    public static readonly Option<int?> Seed = new("--seed") { Description = "One number from which every stage's seed is derived (default: each stage's own)" };
    public static readonly Option<int?> Threads = new("--threads") { Description = "Threads for libtorch and ONNX Runtime (default: one per core)" };
    public static readonly Option<bool> AllowOutsidePaths = new("--allow-outside-paths")
    {
        Description = "Read image paths of manifests and task folders that lead outside their folder (../, absolute, file://, or a symbolic link out); by default they are skipped (ingest) or refused (eval)",
    };
    public static readonly Option<string[]> Tasks = new("--tasks")
    {
        Description = "Task folders the eval stage scores beside the run's own (task.json + labels.csv, an ImageFolder tree, or pairs.csv)", AllowMultipleArgumentsPerToken = true,
    };

    /// <summary>
    /// The data flags: the built-in dataset's, or a --source with its own; <c>--image-size</c> and <c>--shard-bytes</c> apply to either.
    /// <c>--allow-outside-paths</c> applies to a --source, and, when the command also <paramref name="evaluates"/>, to task folders.
    /// </summary>
    public static void AddData(Command command, bool evaluates = false)
    {
        StageFlags.Data.AddTo(command);
        command.Options.Add(StageFlags.Source.Option);
        StageFlags.SourceOnly.AddTo(command);
        command.Options.Add(AllowOutsidePaths);
        command.Validators.Add(result =>
        {
            bool source = result.GetResult(StageFlags.Source.Option) is { Implicit: false };
            foreach (var flag in StageFlags.SourceOnly.Flags)
                if (!source && result.GetResult(flag.Option) is { Implicit: false })
                    result.AddError($"{flag.Option.Name} applies only with --source");
            if (!source && !evaluates && result.GetResult(AllowOutsidePaths) is { Implicit: false })
                result.AddError($"{AllowOutsidePaths.Name} applies only with --source");
            foreach (var flag in new IFlag<Data.Synthetic.SyntheticWebOptions>[] { StageFlags.Pairs, StageFlags.Noise })
                if (source && result.GetResult(flag.Option) is { Implicit: false })
                    result.AddError($"{flag.Option.Name} applies only to the built-in dataset, not with --source");
        });
    }

    /// <summary>The training flags, with the checks of those that go together: <c>--init-seed</c> and <c>--init-models</c>
    /// apply only with <c>--init</c>, and <c>--init</c> needs <c>--tokenizer</c>.</summary>
    public static void AddTrain(Command command)
    {
        StageFlags.Train.AddTo(command);
        OnlyWhen(command, r => r.GetResult(StageFlags.Init.Option) is { Implicit: false }, "with --init", [StageFlags.InitSeed.Option, StageFlags.InitModels.Option]);
        command.Validators.Add(result =>
        {
            if (result.GetResult(StageFlags.Init.Option) is { Implicit: false } && result.GetResult(StageFlags.Tokenizer.Option) is not { Implicit: false })
                result.AddError($"{StageFlags.Init.Option.Name} needs {StageFlags.Tokenizer.Option.Name}: the checkpoint's token embedding is indexed by its own vocabulary's ids, which a vocabulary learnt from the captions does not share");
        });
    }

    /// <summary>Rejects, at parse time, any of <paramref name="flags"/> typed together with <paramref name="file"/>.</summary>
    public static void ExcludeWith(Command command, Option file, IEnumerable<Option> flags)
    {
        var excluded = flags.ToList();
        command.Validators.Add(result =>
        {
            if (result.GetResult(file) is not { Implicit: false }) return;
            foreach (var flag in excluded)
                if (result.GetResult(flag) is { Implicit: false })
                    result.AddError($"{flag.Name} cannot be combined with {file.Name}: the file holds every option it sets");
        });
    }

    /// <summary>Rejects, at parse time, any of <paramref name="flags"/> unless <paramref name="condition"/> holds.</summary>
    public static void OnlyWhen(Command command, Func<CommandResult, bool> condition, string when, IEnumerable<Option> flags)
    {
        var guarded = flags.ToList();
        command.Validators.Add(result =>
        {
            if (condition(result)) return;
            foreach (var flag in guarded)
                if (result.GetResult(flag) is { Implicit: false })
                    result.AddError($"{flag.Name} applies only {when}");
        });
    }

    /// <summary>The run's options from every flag the user typed; fields nobody typed keep the records' defaults.</summary>
    public static RunOptions Options(ParseResult p)
    {
        var o = new RunOptions { Data = StageFlags.Data.Apply(p, new()) };
        if (StageFlags.Source.Given(p))
        {
            var source = StageFlags.SourceOnly.Apply(p, StageFlags.Source.Apply(p, new SourceOptions()));
            if (StageFlags.DataImageSize.Given(p)) source = source with { ImageSize = p.GetValue(StageFlags.DataImageSize.Typed) };
            if (StageFlags.ShardBytes.Given(p)) source = source with { ShardBytes = p.GetValue(StageFlags.ShardBytes.Typed) };
            o = o with { Source = source };
        }
        if (p.GetValue(Seed) is int seed) o = o.WithSeed(seed);
        o = o with
        {
            Embed = StageFlags.EmbedMachine.Apply(p, StageFlags.Embed.Apply(p, o.Embed)),
            Cluster = StageFlags.Cluster.Apply(p, o.Cluster),
            Split = StageFlags.Split.Apply(p, o.Split),
            Train = StageFlags.TrainMachine.Apply(p, StageFlags.Train.Apply(p, o.Train)),
            Slurm = StageFlags.Slurm.Apply(p, o.Slurm),
        };
        if (p.GetValue(AllowOutsidePaths))
            o = o with { Eval = o.Eval with { AllowOutsidePaths = true }, Source = o.Source is null ? null : o.Source with { AllowOutsidePaths = true } };
        if (p.GetValue(Tasks) is { Length: > 0 } tasks) o = o with { Eval = o.Eval with { Tasks = [.. tasks.Select(Path.GetFullPath)] } };
        if (p.GetValue(Threads) is int threads)
            o = o with
            {
                Embed = o.Embed with { Threads = threads }, Train = o.Train with { Threads = threads }, Eval = o.Eval with { Threads = threads },
                Source = o.Source is null ? null : o.Source with { Threads = threads },
            };
        if (StageFlags.Model.Given(p))
        {
            try { MoDE.Model.ClipConfig.Check(o.Train.Model); }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
            {
                throw new ArgumentException(e.Message, nameof(o.Train.Model), e);
            }
        }
        return o;
    }

    /// <summary>Every flag set a run's options come from, to name the flag of a record's property in an error.</summary>
    public static IReadOnlyList<IFlagNames> Names { get; } =
        [StageFlags.Data, StageFlags.SourceOnly, new FlagSet<SourceOptions>(StageFlags.Source, StageFlags.SourceImageSize), StageFlags.Embed, StageFlags.EmbedMachine, StageFlags.Cluster, StageFlags.Split,
         StageFlags.Train, StageFlags.TrainMachine, StageFlags.Slurm, StageFlags.FashionMnist, new FlagName("Threads", Threads.Name),
         new FlagName(nameof(Eval.EvalOptions.Tasks), Tasks.Name)];
}
