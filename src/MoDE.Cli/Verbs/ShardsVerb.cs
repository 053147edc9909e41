using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Shards;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode shards</c>: a run's training data as WebDataset shards and manifests for open_clip's trainer.</summary>
public static class ShardsVerb
{
    static readonly Flag<ShardOptions, string> To = new("--to", "Output folder: TO/all/ and TO/expert_i/, each with NNNNN.tar shards and manifest.json (a rerun keeps finished shards)",
        nameof(ShardOptions.To), o => o.To, (o, v) => o with { To = v });
    static readonly Flag<ShardOptions, long> Bytes = new("--shard-bytes", "Most bytes of one .tar shard (a larger single sample is written alone)",
        nameof(ShardOptions.ShardBytes), o => o.ShardBytes, (o, v) => o with { ShardBytes = v });
    static readonly Flag<ShardOptions, int> Samples = new("--shard-samples", "Most samples of one .tar shard",
        nameof(ShardOptions.ShardSamples), o => o.ShardSamples, (o, v) => o with { ShardSamples = v });
    static readonly FlagSet<ShardOptions> Flags = new(To, Bytes, Samples);

    public static Command Create(CancellationToken stop)
    {
        To.Option.Required = true;
        var trainOptions = TrainOptionsFile();
        var command = new Command("shards", "Write the run's training data as WebDataset shards for open_clip (--train-data, --train-num-samples): " +
                                            "all data and each data expert, the original encoded images, keys tracing back to the pair ids, a manifest per set")
        {
            RunFlags.Run, RunFlags.Seed, trainOptions,
        };
        Flags.AddTo(command);
        StageFlags.Train.AddTo(command);
        RunFlags.ExcludeWith(command, trainOptions, [.. StageFlags.Train.Flags.Select(f => f.Option), RunFlags.Seed]);
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            // --seed is the run's one seed: the training seed derived from it, as `mode train` derives it, picks the out-of-cluster draws;
            // the number itself orders the samples.
            var options = Flags.Apply(p, new ShardOptions());
            if (p.GetValue(RunFlags.Seed) is int seed) options = options with { Seed = seed };
            RunShards.Write(run, options, TrainOptionsOf(p, trainOptions), output, stop);
        }, Flags, StageFlags.Train, new FlagName("train-options", trainOptions.Name));
    }

    /// <summary>The <c>--train-options</c> flag of the verbs that follow the run's training schedule without training.</summary>
    public static Option<string?> TrainOptionsFile() =>
        new("--train-options") { Description = "JSON file with every training option (RUN/train/done.json or RUN/slurm/train.json); else the training flags" };

    /// <summary>The training options from <c>--train-options</c>, else from the training flags and the run's <c>--seed</c>.</summary>
    public static TrainOptions TrainOptionsOf(ParseResult p, Option<string?> file) =>
        p.GetValue(file) is string path ? EmbedVerb.Read<TrainOptions>(path) : RunFlags.Options(p).Train;
}
