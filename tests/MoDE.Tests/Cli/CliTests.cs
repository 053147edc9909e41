using System.CommandLine;
using System.Text.Json;
using MoDE.Cli;
using MoDE.Cli.Flags;
using MoDE.Cluster;
using MoDE.Data.Synthetic;
using MoDE.Run;
using MoDE.Train;

namespace MoDE.Tests.Cli;

/// <summary>The <c>mode</c> command line, parsed and run in this process: options, defaults, rejections, exit codes.</summary>
public sealed class CliTests : IClassFixture<DejaVuFonts>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-cli").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static InProcessMode Mode(params string[] args) => InProcessMode.Run(args);

    /// <summary>A failure is one line on standard error, never a stack trace.</summary>
    static void OneLine(InProcessMode outcome, string mustName)
    {
        Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(mustName, outcome.Error);
        Assert.DoesNotContain("   at ", outcome.Error);
        Assert.StartsWith("mode ", outcome.Error);
    }

    static string Json(object o) => JsonSerializer.Serialize(o);

    [Fact]
    public void With_no_flags_the_options_are_the_records_defaults()
    {
        var parse = ModeCli.Create(CancellationToken.None).Parse(["run"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(Json(new RunOptions()), Json(RunFlags.Options(parse)));
    }

    [Fact]
    public void Help_shows_each_default_as_the_options_record_has_it()
    {
        var help = Mode("run", "--help").Output;
        Assert.Contains($"Fine clusters m [default: {new ClusterOptions().FineClusters}]", help);
        Assert.Contains($"Coarse clusters n = data experts [default: {new ClusterOptions().CoarseClusters}]", help);
        Assert.Contains($"[default: {new TrainOptions().Steps}]", help);
        Assert.Contains($"[default: {new SyntheticWebOptions().Pairs}]", help);
        Assert.Contains($"[default: {new TrainOptions().Model}]", help);
    }

    [Fact]
    public void Typed_flags_reach_their_records()
    {
        var parse = ModeCli.Create(CancellationToken.None).Parse(
            ["run", "--fine", "32", "-n", "2", "--steps", "100", "--seed-share", "0.5", "--batch", "64", "--pairs", "500", "--noise", "0.1",
             "--image-size", "16", "--float16", "--threads", "1", "--seed", "7", "--model", "tiny-vit", "--crop-scale", "1", "--workers", "3", "--overlap", "0.1"]);
        Assert.Empty(parse.Errors);
        var o = RunFlags.Options(parse);
        var seeded = new RunOptions().WithSeed(7);
        Assert.Equal((32, 2, seeded.Cluster.Seed), (o.Cluster.FineClusters, o.Cluster.CoarseClusters, o.Cluster.Seed));
        Assert.Equal((100, 0.5, 64, "tiny-vit", 1.0, 3, 1, seeded.Train.Seed),
            (o.Train.Steps, o.Train.SeedShare, o.Train.BatchSize, o.Train.Model, o.Train.CropScale, o.Train.Workers, o.Train.Threads, o.Train.Seed));
        Assert.Equal((500, 0.1, 16, 7), (o.Data.Pairs, o.Data.NoiseShare, o.Data.ImageSize, o.Data.Seed));
        Assert.Equal(MoDE.Embed.EmbeddingPrecision.Float16, o.Embed.Precision);
        Assert.Equal(0.1, o.Split.Overlap);
        Assert.Equal((1, 1), (o.Embed.Threads, o.Eval.Threads));
        Assert.Null(o.Source);
    }

    [Fact]
    public void A_source_takes_the_image_size_and_its_own_flags()
    {
        var parse = ModeCli.Create(CancellationToken.None).Parse(["ingest", "--source", "list.csv", "--format", "Csv", "--image-size", "24", "--max-pairs", "9", "--seed", "3"]);
        Assert.Empty(parse.Errors);
        var source = RunFlags.Options(parse).Source!;
        Assert.Equal(("list.csv", MoDE.Data.Ingest.SourceFormat.Csv, 24, 9, 3), (source.Source, source.Format, source.ImageSize, source.MaxPairs, source.Seed));
    }

    [Fact]
    public void Shard_bytes_reach_the_built_in_and_the_source_records()
    {
        RunOptions Options(params string[] args)
        {
            var parse = ModeCli.Create(CancellationToken.None).Parse(args);
            Assert.Empty(parse.Errors);
            return RunFlags.Options(parse);
        }
        Assert.Equal(4096, Options("ingest", "--shard-bytes", "4096").Data.ShardBytes);
        Assert.Equal(5000, Options("run", "--source", "list.csv", "--shard-bytes", "5000").Source!.ShardBytes);
        Assert.Equal(new MoDE.Data.Ingest.SourceOptions().ShardBytes, Options("ingest", "--source", "list.csv").Source!.ShardBytes);
        Assert.Equal(new SyntheticWebOptions().ShardBytes, Options("ingest").Data.ShardBytes);
    }

    [Fact]
    public void An_ingest_cuts_its_images_into_shards_of_the_bytes_given()
    {
        string run = Path.Combine(folder, "shards");
        var ingest = Mode("ingest", "--run", run, "--pairs", "45", "--image-size", "8", "--shard-bytes", $"{10 * 8 * 8 * 3}");
        Assert.True(ingest.Code == 0, ingest.Error);
        var shards = Directory.GetFiles(Path.Combine(run, "pairs", "images")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(5, shards.Count); // 10 + 10 + 10 + 10 + 5
        Assert.Equal([10, 10, 10, 10, 5], shards.Select(s => MoDE.Storage.Npy.ReadHeader(s).Shape[0]));
    }

    [Theory]
    [InlineData("--format", "run", "--format", "Csv")]
    [InlineData("--max-pairs", "ingest", "--max-pairs", "5")]
    [InlineData("--pairs", "run", "--source", "x.csv", "--pairs", "5")]
    [InlineData("--only", "train", "--launcher", "slurm", "--only", "seed")]
    [InlineData("--partition", "train", "--partition", "gpu")]
    [InlineData("--chunks", "embed", "--launcher", "slurm", "--chunks", "0/2")]
    [InlineData("--array", "embed", "--array", "3")]
    [InlineData("--fine", "cluster", "--cluster-options", "c.json", "--fine", "8")]
    [InlineData("--steps", "train", "--train-options", "t.json", "--steps", "8")]
    [InlineData("--encoder", "ablate", "--base", "runs/x", "--encoder", "arctic-embed-xs")]
    [InlineData("--steps", "eval", "--steps", "8")]
    [InlineData("--bogus", "run", "--bogus")]
    [Trait("Hostile", "class6")]
    public void Options_that_cannot_apply_are_rejected_before_anything_runs(string named, params string[] args)
    {
        var outcome = Mode([.. args, args[0] == "ablate" ? "--root" : "--run", Path.Combine(folder, "run")]);
        Assert.Equal(Verb.BadFlag, outcome.Code);
        OneLine(outcome, named);
        Assert.False(Directory.Exists(Path.Combine(folder, "run")));
    }

    [Theory]
    [InlineData("--experts", "run", "--experts", "0")]
    [InlineData("--fine", "run", "--fine", "2", "--experts", "4")]
    [InlineData("--steps", "run", "--steps", "1")]
    [InlineData("--steps", "run", "--steps", "10")] // under the 40 warmup steps
    [InlineData("--threads", "run", "--threads", "-2")]
    [InlineData("--seed-share", "run", "--seed-share", "1.5")]
    [InlineData("--overlap", "run", "--overlap", "-0.1")]
    [InlineData("--overlap", "run", "--overlap", "NaN")]
    [InlineData("--noise", "ingest", "--noise", "2")]
    [InlineData("--pairs", "import", "fashion-mnist", "--pairs", "-1")]
    [InlineData("--shard-bytes", "ingest", "--shard-bytes", "3071")] // under one 32 px image
    [InlineData("--shard-bytes", "run", "--source", "x.csv", "--image-size", "16", "--shard-bytes", "767")]
    [Trait("Hostile", "class6")]
    public void Bad_values_name_the_flag_as_typed_and_stop_before_the_first_stage(string flag, params string[] args)
    {
        var outcome = Mode([.. args, "--run", Path.Combine(folder, "run")]);
        Assert.Equal(Verb.BadFlag, outcome.Code);
        OneLine(outcome, flag);
        Assert.DoesNotContain("Parameter", outcome.Error);
        Assert.DoesNotContain("Clusters", outcome.Error); // the record's property names stay inside
        Assert.False(Directory.Exists(Path.Combine(folder, "run")));
    }

    [Theory]
    [Trait("Hostile", "class7")]
    [InlineData("parallel", Verb.Failed, "mode work: disk full writing part 2")]
    [InlineData("task", Verb.Failed, "mode work: part 2 is not a shard")]
    [InlineData("stopped", Verb.Stopped, "mode work: stopped; run the same command again to resume")]
    [InlineData("stopped and failed", Verb.Failed, "mode work: part 2 is not a shard")]
    public void A_failure_inside_parallel_work_is_the_one_line_of_the_error_inside(string how, int code, string line)
    {
        Action work = how switch
        {
            "parallel" => () => Parallel.For(0, 4, i => { if (i == 2) throw new IOException("disk full writing part 2"); }),
            "task" => () => Task.Run(() => throw new InvalidDataException("part 2 is not a shard")).Wait(),
            "stopped" => () => throw new AggregateException(new OperationCanceledException()),
            _ => () => throw new AggregateException(new OperationCanceledException(), new AggregateException(new InvalidDataException("part 2 is not a shard"))),
        };
        var root = new RootCommand { new Command("work").WithAction((_, _) => work()) };
        var error = new StringWriter();
        Assert.Equal(code, root.Parse(["work"]).Invoke(new InvocationConfiguration { Output = new StringWriter(), Error = error }));
        Assert.Equal(line, error.ToString().TrimEnd());
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void A_bad_model_config_is_one_line_naming_the_file()
    {
        string config = Path.Combine(folder, "bad.json");
        File.WriteAllText(config, "{ \"embed_dim\": ");
        var outcome = Mode("run", "--model", config, "--run", Path.Combine(folder, "run"));
        Assert.Equal(Verb.BadFlag, outcome.Code);
        OneLine(outcome, config);
        Assert.Contains("--model", outcome.Error);
        Assert.False(Directory.Exists(Path.Combine(folder, "run")));
    }

    [Fact]
    public void A_model_config_with_its_own_vocabulary_and_context_length_passes_the_checks()
    {
        string config = Path.Combine(folder, "context-20.json");
        File.WriteAllText(config, """
            {"embed_dim": 64, "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "patch_size": 8, "head_width": 32},
             "text_cfg": {"context_length": 20, "vocab_size": 2048, "width": 64, "heads": 2, "layers": 1}}
            """);
        var parse = ModeCli.Create(CancellationToken.None).Parse(["run", "--model", config]);
        Assert.Empty(parse.Errors);
        RunFlags.Options(parse).Validate(); // a learnt vocabulary fits 2,048 tokens and takes the model's 20-token context
        var wrongSize = RunFlags.Options(ModeCli.Create(CancellationToken.None).Parse(["run", "--model", config, "--image-size", "16"]));
        Assert.Equal("ImageSize", Assert.Throws<ArgumentOutOfRangeException>(wrongSize.Validate).ParamName);
    }

    [Fact]
    [Trait("Hostile", "class10")]
    public void A_model_for_other_images_is_refused_before_any_stage()
    {
        string run = Path.Combine(folder, "run-b32");
        var outcome = Mode("run", "--model", "ViT-B-32", "--run", run); // the built-in data's 32-pixel images
        Assert.Equal(Verb.BadFlag, outcome.Code);
        OneLine(outcome, "--image-size: model 'ViT-B-32' takes 224x224 images; give --image-size 224 (got 32)");
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("report")]
    [InlineData("status")]
    [InlineData("clusters")]
    [InlineData("split")]
    [InlineData("train")]
    [InlineData("eval")]
    [Trait("Hostile", "class6")]
    public void Verbs_that_read_a_run_fail_on_a_folder_that_is_not_one(string verb)
    {
        string notRun = Path.Combine(folder, "not-a-run");
        Directory.CreateDirectory(notRun);
        File.WriteAllText(Path.Combine(notRun, "notes.txt"), "hello");
        var outcome = Mode(verb, "--run", notRun);
        Assert.Equal(Verb.Failed, outcome.Code);
        OneLine(outcome, notRun);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(notRun).Select(Path.GetFileName));

        string missing = Path.Combine(folder, "missing");
        outcome = Mode(verb, "--run", missing);
        Assert.Equal(Verb.Failed, outcome.Code);
        OneLine(outcome, missing);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void Each_verb_declares_only_its_own_options()
    {
        var root = ModeCli.Create(CancellationToken.None);
        IEnumerable<string> Options(string verb) => root.Subcommands.Single(c => c.Name == verb).Options.Select(o => o.Name).Where(n => n is not "--help" and not "-?" and not "-h");
        Assert.Equal(["--run"], Options("status"));
        Assert.Equal(["--run"], Options("report"));
        Assert.Equal(["--run", "--overlap"], Options("split"));
        Assert.Equal(["--run", "--top"], Options("clusters"));
        Assert.Equal(["--run", "--tasks", "--threads", "--allow-outside-paths"], Options("eval"));
        Assert.DoesNotContain("--steps", Options("cluster"));
        Assert.DoesNotContain("--fine", Options("train"));
        Assert.DoesNotContain("--tasks", Options("embed")); // the embed job array is --array, not eval's --tasks
        foreach (var verb in root.Subcommands)
            Assert.Equal(verb.Options.Select(o => o.Name).Distinct().Count(), verb.Options.Count);
    }

    [Fact]
    public void Stages_run_from_the_command_line_in_order_with_clear_errors()
    {
        string run = Path.Combine(folder, "tiny");
        var ingest = Mode("ingest", "--run", run, "--pairs", "200");
        Assert.True(ingest.Code == 0, ingest.Error);
        Assert.Contains("ingest:", ingest.Output);

        var status = Mode("status", "--run", run);
        Assert.Equal(0, status.Code);
        Assert.Matches(@"ingest\s+done", status.Output);
        Assert.Matches(@"embed\s+not done", status.Output);
        Assert.Matches(@"report\s+not done", status.Output);

        var split = Mode("split", "--run", run);
        Assert.Equal(Verb.Failed, split.Code);
        OneLine(split, "'cluster'");

        var again = Mode("ingest", "--run", run, "--pairs", "300"); // other options than the finished stage's
        Assert.Equal(Verb.Failed, again.Code);
        OneLine(again, "Pairs");

        var rerun = Mode("run", "--run", run, "--pairs", "300"); // checked against every finished stage before any stage runs
        Assert.Equal(Verb.Failed, rerun.Code);
        OneLine(rerun, "Pairs: 200 -> 300");
        Assert.False(Directory.Exists(Path.Combine(run, "embed")));

        var report = Mode("report", "--run", run);
        Assert.True(report.Code == 0, report.Error);
        Assert.True(File.Exists(Path.Combine(run, "report", "report.html")));
        Assert.Matches(@"report\s+done", Mode("status", "--run", run).Output);

        Directory.Delete(Path.Combine(run, "pairs", "images"), recursive: true);
        Assert.Matches(@"ingest\s+done, but .*images is missing", Mode("status", "--run", run).Output);
    }
}
