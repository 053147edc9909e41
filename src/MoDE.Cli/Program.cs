using System.CommandLine;
using System.Diagnostics;
using MoDE.Cluster;
using MoDE.Data.Import;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Report;
using MoDE.Route;
using MoDE.Run;
using MoDE.Slurm;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

// mode: the MoDE pipeline from the command line. Every verb reads and writes one run directory; `run` does
// them all in order and skips what is already done.

// Ctrl+C stops training at its next checkpoint; the next run resumes from there.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (stop.IsCancellationRequested) return; // a second Ctrl+C ends the process at once
    e.Cancel = true;
    stop.Cancel();
    Console.Error.WriteLine("\nmode: stopping at the next checkpoint (Ctrl+C again to abort now)");
};
// Slurm: TERM (scancel, scontrol requeue) and USR1 (time limit near, forwarded by the sbatch script as TERM)
// also stop training at its next checkpoint, so the requeued task resumes from there.
using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
    Console.Error.WriteLine("mode: TERM, stopping at the next checkpoint");
});

var runDir = new Option<string>("--run") { Description = "Run directory", DefaultValueFactory = _ => Path.Combine("runs", "synthetic-web") };
var seed = new Option<int?>("--seed") { Description = "One number from which every stage's seed is derived" };
var pairs = new Option<int?>("--pairs") { Description = "Training pairs of the built-in dataset (default 24000)" };
var noise = new Option<double?>("--noise") { Description = "Share of noisy pairs in the built-in dataset (default 0.2)" };
var fine = new Option<int?>("--fine", "-m") { Description = "Fine clusters m (default 64)" };
var experts = new Option<int?>("--experts", "-n") { Description = "Coarse clusters n = data experts (default 4)" };
var steps = new Option<int?>("--steps") { Description = "Steps of one expert's schedule, seed part included (default 400)" };
var seedShare = new Option<double?>("--seed-share") { Description = "Share of the schedule trained as the seed model (default 27/32, as the paper)" };
var batch = new Option<int?>("--batch") { Description = "Training batch size (default 256)" };
var top = new Option<int>("--top") { Description = "Characteristic words shown per cluster", DefaultValueFactory = _ => 10 };
var encoderOption = new Option<string?>("--encoder") { Description = "Caption encoder: all-MiniLM-L6-v2 (default), arctic-embed-xs, or a folder with model.onnx, vocab.txt, encoder.json" };
var half = new Option<bool>("--float16") { Description = "Store caption embeddings as float16 (half the disk; default float32)" };
var taskFolders = new Option<string[]>("--tasks") { Description = "Task folders to evaluate: task.json + labels.csv, an ImageFolder tree, or pairs.csv (retrieval)", AllowMultipleArgumentsPerToken = true };
var routeTasks = new Option<string[]>("--task") { Description = "Task folders whose routing to explain", AllowMultipleArgumentsPerToken = true, Required = true };
var routing = new Option<string?>("--routing") { Description = "Routing: code or paper, optionally with coarse (\"paper,coarse\"); default: all four" };
var nearest = new Option<int>("--nearest") { Description = "Nearest fine clusters shown per class", DefaultValueFactory = _ => 3 };
var threads = new Option<int?>("--threads") { Description = "Threads for libtorch and ONNX Runtime (default: one per core)" };
var source = new Option<string?>("--source") { Description = "Your data instead of the built-in dataset: WebDataset shards (data/{00000..00099}.tar), a CSV/TSV/Parquet manifest, or a folder of images with .txt captions" };
var format = new Option<SourceFormat?>("--format") { Description = "Format of --source when the extension does not tell: WebDataset, Csv, Tsv, Parquet, Folder" };
var imageSize = new Option<int?>("--image-size") { Description = "Side of the square training images decoded from the source (default 32)" };
var maxPairs = new Option<int?>("--max-pairs") { Description = "Stop after this many pairs of the source are kept (default: all)" };
var importRoot = new Option<string?>("--root") { Description = "Where the Debian package installed the corpus (default: its standard folder)" };
var taskOnly = new Option<bool>("--task-only") { Description = "Only the zero-shot task (test split), to evaluate models trained on another corpus" };
var launcher = new Option<string>("--launcher") { Description = "Where the stage runs: local (this process) or slurm (sbatch files in RUN/slurm/, submitted with sbatch)", DefaultValueFactory = _ => "local" };
launcher.AcceptOnlyFromAmong("local", "slurm");
var model = new Option<string?>("--model") { Description = "CLIP architecture (open_clip's flag): tiny (default), tiny-vit, ViT-B-32, ViT-B-16, ViT-L-14, or an open_clip-style JSON config file" };
var only = new Option<string?>("--only") { Description = "Train only this model: seed, expert_i, single or baseline (what one Slurm task runs)" };
var expertIndex = new Option<int?>("--expert") { Description = "Train only data expert i from the seed's saved state (same as --only expert_i)" };
var device = new Option<string?>("--device") { Description = "Where training runs: cpu (default) or cuda (needs the TorchSharp-cuda-linux build)" };
device.AcceptOnlyFromAmong(TrainDevice.Cpu, TrainDevice.Cuda);
var cropScale = new Option<double?>("--crop-scale") { Description = "Smallest image area share kept by the training crop (default 0.9, open_clip's; 1 turns augmentation off)" };
var workers = new Option<int?>("--workers") { Description = "Threads preparing training batches ahead (default 2; results do not depend on it)" };
var trainOptions = new Option<string?>("--train-options") { Description = "JSON file with every training option (the launcher writes RUN/slurm/train.json)" };
var partition = new Option<string?>("--partition") { Description = "Slurm partition" };
var time = new Option<string?>("--time") { Description = "Slurm time limit per task, e.g. 04:00:00" };
var cpus = new Option<int?>("--cpus") { Description = "Slurm CPUs per task (default 1)" };
var gpus = new Option<int?>("--gpus") { Description = "Slurm GPUs per task (default 0)" };
var mem = new Option<string?>("--mem") { Description = "Slurm memory per task, e.g. 8G" };
var account = new Option<string?>("--account") { Description = "Slurm account" };
var sbatchFlags = new Option<string[]>("--sbatch") { Description = "Extra #SBATCH flag, e.g. --sbatch=--qos=high (repeatable)", AllowMultipleArgumentsPerToken = false };
var embedOptions = new Option<string?>("--embed-options") { Description = "JSON file with every embed option (the Slurm launcher writes RUN/slurm/embed.json)" };
var clusterOptions = new Option<string?>("--cluster-options") { Description = "JSON file with every cluster option (the Slurm launcher writes RUN/slurm/cluster.json)" };
var chunks = new Option<string?>("--chunks") { Description = "Embed only the chunks c with c mod N = i, written i/N (one task of a Slurm job array); a run without it concatenates" };
var tasks = new Option<int>("--tasks") { Description = "With --launcher slurm: tasks of the embed job array", DefaultValueFactory = _ => 4 };

RunOptions Options(ParseResult p)
{
    var o = new RunOptions();
    if (p.GetValue(seed) is int s) o = o.WithSeed(s);
    if (p.GetValue(pairs) is int n) o = o with { Data = o.Data with { Pairs = n } };
    if (p.GetValue(noise) is double z) o = o with { Data = o.Data with { NoiseShare = z } };
    if (p.GetValue(fine) is int m) o = o with { Cluster = o.Cluster with { FineClusters = m } };
    if (p.GetValue(experts) is int e) o = o with { Cluster = o.Cluster with { CoarseClusters = e } };
    if (p.GetValue(steps) is int t) o = o with { Train = o.Train with { Steps = t } };
    if (p.GetValue(seedShare) is double share) o = o with { Train = o.Train with { SeedShare = share } };
    if (p.GetValue(batch) is int b) o = o with { Train = o.Train with { BatchSize = b } };
    if (p.GetValue(encoderOption) is string enc) o = o with { Embed = o.Embed with { Encoder = enc } };
    if (p.GetValue(half)) o = o with { Embed = o.Embed with { Precision = EmbeddingPrecision.Float16 } };
    if (p.GetValue(threads) is int th)
        o = o with { Embed = o.Embed with { Threads = th }, Train = o.Train with { Threads = th }, Eval = o.Eval with { Threads = th } };
    if (p.GetValue(source) is string src)
        o = o with { Source = new SourceOptions
        {
            Source = src, Format = p.GetValue(format) ?? SourceFormat.Auto, ImageSize = p.GetValue(imageSize) ?? 32,
            MaxPairs = p.GetValue(maxPairs) ?? 0, Seed = p.GetValue(seed) ?? 1, Threads = p.GetValue(threads) ?? 0,
        } };
    if (p.GetValue(model) is string architecture) o = o with { Train = o.Train with { Model = architecture } };
    if (p.GetValue(device) is string d) o = o with { Train = o.Train with { Device = d } };
    if (p.GetValue(workers) is int w) o = o with { Train = o.Train with { Workers = w } };
    if (p.GetValue(cropScale) is double crop) o = o with { Train = o.Train with { CropScale = crop } };
    if (p.GetValue(trainOptions) is string file)
        o = o with { Train = (System.Text.Json.JsonSerializer.Deserialize<ProtocolOptions>(File.ReadAllText(file))
            ?? throw new InvalidDataException($"{file}: no training options")) with { Threads = o.Train.Threads, Device = o.Train.Device, Workers = o.Train.Workers } };
    if (p.GetValue(embedOptions) is string embedFile)
        o = o with { Embed = (System.Text.Json.JsonSerializer.Deserialize<EmbedOptions>(File.ReadAllText(embedFile))
            ?? throw new InvalidDataException($"{embedFile}: no embed options")) with { Threads = o.Embed.Threads } };
    if (p.GetValue(clusterOptions) is string clusterFile)
        o = o with { Cluster = System.Text.Json.JsonSerializer.Deserialize<ClusterOptions>(File.ReadAllText(clusterFile))
            ?? throw new InvalidDataException($"{clusterFile}: no cluster options") };
    o = o with { Slurm = o.Slurm with
    {
        Partition = p.GetValue(partition) ?? o.Slurm.Partition, Time = p.GetValue(time) ?? o.Slurm.Time,
        Cpus = p.GetValue(cpus) ?? o.Slurm.Cpus, Gpus = p.GetValue(gpus) ?? o.Slurm.Gpus, Memory = p.GetValue(mem) ?? o.Slurm.Memory,
        Account = p.GetValue(account) ?? o.Slurm.Account, ExtraFlags = p.GetValue(sbatchFlags) ?? o.Slurm.ExtraFlags,
    } };
    return o;
}

Command Verb(string name, string description, Action<RunLayout, RunOptions, ParseResult> action, params Option[] options)
{
    var command = new Command(name, description) { runDir };
    foreach (var option in options) command.Options.Add(option);
    command.SetAction(p =>
    {
        var run = new RunLayout(p.GetValue(runDir)!);
        try
        {
            action(run, Options(p), p);
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"mode {name}: stopped; run the same command again to resume");
            return 130;
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or ArgumentException or IOException)
        {
            Console.Error.WriteLine($"mode {name}: {e.Message}");
            return 1;
        }
    });
    return command;
}

var root = new RootCommand("MoDE.NET: Mixtures of CLIP Data Experts. Cluster image-caption pairs by caption, train one CLIP per cluster, route tasks to experts by class names.");
root.Subcommands.Add(Verb("run", "The whole pipeline on the built-in dataset (or --source); stages already done are skipped", (run, o, _) =>
{
    var clock = Stopwatch.StartNew();
    Console.WriteLine($"MoDE run in {run.Root}");
    var results = Pipeline.Run(run, o, Console.Out, stop.Token);
    Console.WriteLine();
    Console.WriteLine("Zero-shot top-1 accuracy (%):");
    Console.WriteLine(results.ToTable());
    Console.WriteLine($"Table written to {run.ResultsMarkdown} and {run.ResultsJson}");
    Console.WriteLine($"Wall time {clock.Elapsed:hh\\:mm\\:ss}, peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
}, seed, pairs, noise, fine, experts, steps, seedShare, batch, encoderOption, half, threads, source, format, imageSize, maxPairs, model, device, workers, cropScale));
root.Subcommands.Add(Verb("ingest", "Write the pairs into the run directory: the built-in synthetic web pairs and zero-shot tasks, or --source (your data; skips by reason in ingest/report.json)",
    (run, o, _) => { if (o.Source is { } s) IngestStage.Run(run, s, Console.Out); else IngestStage.Run(run, o.Data, Console.Out); },
    seed, pairs, noise, source, format, imageSize, maxPairs, threads));
var import = new Command("import", "Real corpora from Debian packages into the standard run layout");
import.Subcommands.Add(Verb("openclipart", "OpenClipart (apt-get install -y openclipart-png openclipart-svg): PNGs with their SVG metadata as captions, as the run's pairs",
    (run, o, p) => OpenClipart.Import(run, OpenClipart.Options(p.GetValue(importRoot) ?? OpenClipartReader.DefaultRoot) with
    {
        ImageSize = p.GetValue(imageSize) ?? 32, MaxPairs = p.GetValue(maxPairs) ?? 0, Threads = p.GetValue(threads) ?? 0,
    }, Console.Out), importRoot, imageSize, maxPairs, threads));
import.Subcommands.Add(Verb("fashion-mnist", "Fashion-MNIST (apt-get install -y dataset-fashion-mnist): the test split as zero-shot task tasks/fashion-mnist, the training split with label captions as the run's pairs",
    (run, o, p) => FashionMnist.Import(run, new FashionMnistOptions
    {
        Root = p.GetValue(importRoot) ?? FashionMnist.DefaultRoot, ImageSize = p.GetValue(imageSize) ?? 32, Pairs = p.GetValue(pairs) ?? 0,
        TaskOnly = p.GetValue(taskOnly), Seed = p.GetValue(seed) ?? 1,
    }, Console.Out), importRoot, imageSize, pairs, taskOnly, seed));
root.Subcommands.Add(import);
root.Subcommands.Add(Verb("embed", "Embed every caption with the caption encoder (ONNX Runtime; default all-MiniLM-L6-v2); with --launcher slurm, a job array over chunks, then concatenate and cluster",
    (run, o, p) =>
    {
        if (p.GetValue(launcher) == "slurm")
        {
            SlurmEmbedLauncher.Submit(run, o.Embed, o.Cluster, o.Slurm, p.GetValue(tasks), Console.Out);
            Console.WriteLine($"See progress with `mode status --run {run.Root}`");
        }
        else EmbedStage.Run(run, o.Embed, Console.Out, stop.Token, shard: p.GetValue(chunks) is string c ? EmbedShard.Parse(c) : null);
    }, encoderOption, half, threads, embedOptions, chunks, launcher, tasks, seed, fine, experts, partition, time, cpus, gpus, mem, account, sbatchFlags));
root.Subcommands.Add(Verb("cluster", "Fine k-means (m) over captions, balanced coarse k-means (n) over the fine centers",
    (run, o, _) => ClusterStage.Run(run, o.Cluster, Console.Out), seed, fine, experts, clusterOptions));
root.Subcommands.Add(Verb("clusters", "Show what every expert and fine cluster is about: sizes, tightness, distance to the nearest other, words",
    (run, _, p) => Console.Write(ClusterReport.Load(run.ClusterReport).ToText(p.GetValue(top))), top));
root.Subcommands.Add(Verb("split", "Write each data expert's pairs",
    (run, o, _) => SplitStage.Run(run, o.Split, Console.Out)));
root.Subcommands.Add(Verb("train", "Train the seed model, every data expert from the seed, and the equal-compute baseline",
    (run, o, p) =>
    {
        string? trainOnly = p.GetValue(expertIndex) is int i ? RunModels.Expert(i) : p.GetValue(only);
        if (p.GetValue(launcher) == "slurm")
        {
            if (trainOnly is not null) throw new ArgumentException("--launcher slurm submits every model; --only and --expert name what one task trains");
            SlurmTrainLauncher.Submit(run, o.Train, o.Slurm, Console.Out);
            Console.WriteLine($"See progress with `mode status --run {run.Root}`");
        }
        else TrainStage.Run(run, o.Train, Console.Out, stop.Token, trainOnly);
    }, seed, steps, seedShare, batch, threads, launcher, model, only, expertIndex, device, workers, cropScale, trainOptions, partition, time, cpus, gpus, mem, account, sbatchFlags));
root.Subcommands.Add(Verb("status", "Every stage and Slurm task of the run: pending, running, done or failed, with its log",
    (run, _, _) => RunStatus.Write(run, Console.Out)));
root.Subcommands.Add(Verb("eval", "Zero-shot accuracy of the baseline, each expert, and the uniform and routed ensembles; --tasks DIR... scores tasks from disk",
    (run, o, p) =>
    {
        if (p.GetValue(taskFolders) is not { Length: > 0 } folders) { Console.WriteLine(EvalStage.Run(run, o.Eval, Console.Out).ToTable()); return; }
        int size = EvalStage.ImageSize(run);
        var evalTasks = folders.Select(f => TaskFolder.Load(f, size)).ToList();
        var results = EvalStage.Evaluate(run, evalTasks, o.Eval, Console.Out);
        results.Save(run.TaskResultsJson, run.TaskResultsMarkdown);
        Console.WriteLine(results.ToTable());
        Console.WriteLine($"Table written to {run.TaskResultsMarkdown} and {run.TaskResultsJson}");
    }, taskFolders, threads));
root.Subcommands.Add(Verb("route", "Explain routing for task folders: each class's nearest fine clusters (with their words) and the expert weights",
    (run, o, p) =>
    {
        var clusters = ClusterHierarchy.Load(run);
        var report = File.Exists(run.ClusterReport) ? ClusterReport.Load(run.ClusterReport) : null;
        IReadOnlyList<RoutingOptions> routings = p.GetValue(routing) is string r ? [RoutingOptions.Parse(r)] : RoutingOptions.All;
        using var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(run), o.Eval.Threads);
        foreach (string folder in p.GetValue(routeTasks)!)
            Console.WriteLine(RoutingExplanation.Explain(TaskFolder.Metadata(folder, encoder), clusters, report, routings, p.GetValue(nearest)).ToText(p.GetValue(top)));
    }, routeTasks, routing, nearest, top, threads));
root.Subcommands.Add(Verb("report", "Write report/report.md and a self-contained report/report.html with plots: clusters, results, routing, training",
    (run, _, _) => RunReport.Write(run, Console.Out)));

var ablateRoot = new Option<string>("--root") { Description = "Folder of the base run and of one run per variant", DefaultValueFactory = _ => Path.Combine("runs", "ablate") };
var baseRun = new Option<string?>("--base") { Description = "A run with ingest and embed done (any corpus) to start from; default: the built-in dataset in ROOT/base" };
var expertCounts = new Option<int[]>("--experts-list") { Description = "Expert counts n compared", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [2, 4] };
var fineSweep = new Option<int[]>("--fine-sweep") { Description = "Fine counts m swept for the first n", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [32, 256, 1024] };
var output = new Option<string>("--out") { Description = "Markdown file whose ablation section is (re)written", DefaultValueFactory = _ => Path.Combine("docs", "results.md") };
var ablate = new Command("ablate", "The paper's comparisons (single model, MoDE-2/4, uniform, one-step clustering, coarse routing, random split, m sweep) into docs/results.md")
{
    ablateRoot, baseRun, expertCounts, fineSweep, output, seed, pairs, noise, fine, steps, seedShare, batch, cropScale, model, device, workers, encoderOption, half, threads,
};
ablate.SetAction(p =>
{
    try
    {
        var options = new AblationOptions
        {
            Root = p.GetValue(ablateRoot)!, BaseRun = p.GetValue(baseRun), Run = Options(p), Experts = p.GetValue(expertCounts)!,
            FineSweep = p.GetValue(fineSweep)!, Output = p.GetValue(output)!, Command = "mode " + string.Join(' ', args),
        };
        Ablation.Run(options, Console.Out, stop.Token);
        return 0;
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine("mode ablate: stopped; run the same command again to resume");
        return 130;
    }
    catch (Exception e) when (e is InvalidDataException or InvalidOperationException or ArgumentException or IOException)
    {
        Console.Error.WriteLine($"mode ablate: {e.Message}");
        return 1;
    }
});
root.Subcommands.Add(ablate);

return root.Parse(args).Invoke();
