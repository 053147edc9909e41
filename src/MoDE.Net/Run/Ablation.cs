using System.Globalization;
using System.Text;
using MoDE.Cluster;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Run;

/// <summary>
/// <c>mode ablate</c>: the paper's comparisons in one command (labelled a to g), each variant a run folder under
/// <see cref="AblationOptions.Root"/>: MoDE-n for each n (a: against the single model at equal total steps;
/// b: MoDE-2 vs MoDE-4; c: against the uniform ensemble; e: routing by coarse centers, all from the eval table),
/// one-step clustering m = n (d), a random split into n experts (f) and a sweep of m (g). Variants share the base
/// run's pairs and embeddings, the seed and single models, and the baseline of the same n, so each trains only
/// its experts. Writes a section of Markdown (averages, the claims, the commands) into <see cref="AblationOptions.Output"/>.
/// </summary>
public static class Ablation
{
    /// <summary>One run of the ablation.</summary>
    /// <param name="Random">Experts from a random split instead of clustering.</param>
    public sealed record Variant(string Name, int Experts, int Fine, bool Random, string Purpose);

    /// <summary>A finished variant and its results.</summary>
    public sealed record Outcome(Variant Variant, RunLayout Run, Results Results)
    {
        public double Average(string method) => Results.Methods.FirstOrDefault(m => m.Name == method)?.Average ?? double.NaN;
    }

    /// <summary>The markers around one ablation's section, named by its root folder, so ablations with other roots
    /// (another corpus, another schedule) keep their own sections in the same file.</summary>
    public static (string Begin, string End) Markers(AblationOptions options) =>
        ($"<!-- mode ablate {options.Root}: begin -->", $"<!-- mode ablate {options.Root}: end -->");

    /// <summary>Folders of a run that belong to its data (copied from the base run), not to clustering and later stages.</summary>
    static readonly string[] LaterStages = [.. Pipeline.Stages.Select(s => s.Stage.Name).SkipWhile(name => name != ClusterStage.Stage.Name)];

    /// <summary>The variants, in the order they run.</summary>
    public static List<Variant> Plan(AblationOptions options, int captions)
    {
        int m = options.Run.Cluster.FineClusters;
        var variants = new List<Variant>();
        foreach (int n in options.Experts) variants.Add(new($"mode{n}-m{m}", n, m, false, $"MoDE-{n} (a, b, c, e)"));
        foreach (int n in options.Experts.Where(n => n != m)) variants.Add(new($"mode{n}-onestep", n, n, false, $"one-step clustering, m = n = {n} (d)"));
        foreach (int n in options.Experts) variants.Add(new($"random{n}", n, m, true, $"random split into {n} experts (f)"));
        int sweepN = options.Experts[0];
        foreach (int fine in options.FineSweep.Where(f => f != m && f > sweepN).Distinct().Order())
            if (captions >= options.MinCaptionsPerFine * fine) variants.Add(new($"mode{sweepN}-m{fine}", sweepN, fine, false, $"m = {fine} (g)"));
        return variants;
    }

    public static List<Outcome> Run(AblationOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        var baseRun = new RunLayout(options.BaseRun ?? Path.Combine(options.Root, "base"));
        if (options.BaseRun is null)
        {
            IngestStage.Run(baseRun, options.Run.Data, log, stop);
            EmbedStage.Run(baseRun, options.Run.Embed, log, stop);
        }
        StageMarker.Require(baseRun, "ablate", EmbedStage.Stage.Name);
        int captions = Npy.ReadHeader(baseRun.CaptionEmbeddings).Shape[0];
        var variants = Plan(options, captions);
        log.WriteLine($"ablate: {variants.Count} variants on {captions} captions: {string.Join(", ", variants.Select(v => v.Name))}");

        var outcomes = new List<Outcome>();
        RunLayout? shared = null;                       // holds the seed, the single model and the tokenizer
        var baselines = new Dictionary<int, RunLayout>(); // the equal-compute baseline of each n
        foreach (var variant in variants)
        {
            stop.ThrowIfCancellationRequested();
            var run = new RunLayout(Path.Combine(options.Root, variant.Name));
            log.WriteLine($"ablate: {variant.Name}: {variant.Purpose}");
            long copied = CopyData(baseRun, run);
            if (copied > 0) log.WriteLine($"ablate: {variant.Name}: copied {copied >> 20} MiB of the base run's data (the file systems differ, or one has no hard links)");
            var runOptions = Options(options, variant);
            if (variant.Random) RandomSplit.Run(run, new RandomSplit.Options(variant.Fine, variant.Experts, runOptions.Cluster.Seed), log);
            else ClusterStage.Run(run, runOptions.Cluster, log, stop);
            SplitStage.Run(run, runOptions.Split, log, stop);
            if (shared is not null)
                foreach (string model in new[] { RunModels.Seed, RunModels.Single }) CopyModel(shared, run, model);
            if (shared is not null && !File.Exists(run.Tokenizer)) CaptionTokenizer.Load(shared.Tokenizer).Save(run.Tokenizer); // manifest, vocab.json and merges.txt
            if (baselines.TryGetValue(variant.Experts, out var withBaseline)) CopyModel(withBaseline, run, RunModels.Baseline);
            TrainStage.Run(run, runOptions.Train, log, stop);
            shared ??= run;
            baselines.TryAdd(variant.Experts, run);
            outcomes.Add(new Outcome(variant, run, EvalStage.Run(run, runOptions.Eval, log, stop)));
        }
        string section = ToMarkdown(options, baseRun, captions, outcomes);
        string existing = File.Exists(options.Output) ? File.ReadAllText(options.Output) : "# Results\n";
        var (open, close) = Markers(options);
        int begin = existing.IndexOf(open, StringComparison.Ordinal), end = existing.IndexOf(close, StringComparison.Ordinal);
        string updated = begin >= 0 && end > begin
            ? existing[..begin] + section + existing[(end + close.Length)..]
            : existing.TrimEnd() + "\n\n" + section + "\n";
        AtomicFile.WriteAllText(options.Output, updated);
        log.WriteLine($"ablate: results in {options.Output}");
        return outcomes;
    }

    /// <summary>The run options of one variant: the shared ones with its cluster counts.</summary>
    public static RunOptions Options(AblationOptions options, Variant variant) => options.Run with
    {
        Cluster = options.Run.Cluster with { FineClusters = variant.Fine, CoarseClusters = variant.Experts },
    };

    /// <summary>Gives run <paramref name="to"/> the files of run <paramref name="from"/> that hold its data (ingest and
    /// embedding: the folders before the cluster stage; embed/chunks and the lock files left out), hard-linked where the
    /// file system allows (<see cref="FileLink"/>), so variants share one copy of the images; files already there are kept.
    /// Returns the bytes copied.</summary>
    public static long CopyData(RunLayout from, RunLayout to)
    {
        long copied = 0;
        foreach (string folder in Directory.GetDirectories(from.Root))
        {
            string name = Path.GetFileName(folder);
            if (LaterStages.Contains(name) || Path.GetFullPath(folder) == from.Locks) continue;
            foreach (string file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(from.Root, file);
                if (relative.StartsWith(Path.Combine("embed", "chunks"), StringComparison.Ordinal)) continue; // only needed to resume embedding
                copied += FileLink.LinkOrCopy(file, Path.Combine(to.Root, relative));
            }
        }
        return copied;
    }

    /// <summary>Gives run <paramref name="to"/> <paramref name="model"/>'s final state, training log and TensorBoard events
    /// from run <paramref name="from"/> (hard-linked where possible, the state last), unless <paramref name="from"/> lacks it
    /// or <paramref name="to"/> has it.</summary>
    public static void CopyModel(RunLayout from, RunLayout to, string model)
    {
        if (!File.Exists(from.Model(model)) || File.Exists(to.Model(model))) return;
        FileLink.LinkOrCopy(from.TrainLog(model), to.TrainLog(model));
        foreach (var events in TensorBoardEvents.FilesIn(from.TensorBoard(model)))
            FileLink.LinkOrCopy(events, Path.Combine(to.TensorBoard(model), Path.GetFileName(events)));
        FileLink.LinkOrCopy(from.Model(model), to.Model(model));
    }

    static string P(double x) => double.IsNaN(x) ? "-" : (100 * x).ToString("F1", CultureInfo.InvariantCulture);
    static string D(double x) => double.IsNaN(x) ? "-" : (x >= 0 ? "+" : "") + (100 * x).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>The ablation section: setup, commands, averages per variant, and each of the paper's claims checked.</summary>
    public static string ToMarkdown(AblationOptions options, RunLayout baseRun, int captions, IReadOnlyList<Outcome> outcomes)
    {
        var o = options.Run;
        var text = new StringBuilder();
        var (begin, end) = Markers(options);
        text.AppendLine(begin);
        text.AppendLine($"## The paper's comparisons (`mode ablate`, {options.Root})");
        text.AppendLine();
        text.AppendLine($"Made by `{options.Command}` on {DateTime.UtcNow:yyyy-MM-dd}; base run `{baseRun.Root}` ({captions} embedded captions).");
        text.AppendLine(FormattableString.Invariant($"Schedule: {o.Train.Steps} steps of batch {o.Train.BatchSize}, the seed trains {o.Train.SeedShare:F3} of it ({o.Train.SeedSteps} steps), each expert the remaining {o.Train.ExpertSteps}; default m = {o.Cluster.FineClusters}; caption encoder {o.Embed.Encoder}."));
        text.AppendLine("Variants share the base run's pairs and embeddings, the seed and single models, and the equal-compute baseline of the same n; scores are averages over the run's tasks (%).");
        text.AppendLine();
        text.AppendLine("| variant | what it tests | n | m | baseline (equal compute) | single | best expert | uniform | max | MoDE (code) | MoDE (paper) | MoDE (calibrated) | MoDE (code, coarse) | MoDE (paper, coarse) | MoDE (calibrated, coarse) | oracle |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in outcomes)
        {
            double bestExpert = Enumerable.Range(0, x.Variant.Experts).Max(c => x.Average($"expert {c}"));
            text.AppendLine($"| {x.Variant.Name} | {x.Variant.Purpose} | {x.Variant.Experts} | {x.Variant.Fine} | {P(x.Average("baseline"))} | {P(x.Average("single"))} | {P(bestExpert)} | " +
                            $"{P(x.Average("uniform"))} | {P(x.Average("max"))} | {P(x.Average("MoDE (code)"))} | {P(x.Average("MoDE (paper)"))} | {P(x.Average("MoDE (calibrated)"))} | " +
                            $"{P(x.Average("MoDE (code, coarse)"))} | {P(x.Average("MoDE (paper, coarse)"))} | {P(x.Average("MoDE (calibrated, coarse)"))} | {P(x.Average("oracle"))} |");
        }
        text.AppendLine();
        text.AppendLine("### The paper's claims, checked here");
        text.AppendLine();
        text.AppendLine("Differences in points of the average; \"held\" when the difference has the paper's sign, \"tie\" within 0.05 points. One seed per variant: differences under a point or so can be noise. Paper numbers: ViT-B/32, 400M pairs, CLIP-benchmark average over 26 tasks (Ma et al., CVPR 2024, the MoDE paper).");
        text.AppendLine();
        text.AppendLine("| claim | paper | here, code formula | here, paper formula | here, calibrated formula | held (code / paper / calibrated) |");
        text.AppendLine("|---|---|---|---|---|---|");
        Outcome? Find(Func<Variant, bool> match) => outcomes.FirstOrDefault(x => match(x.Variant));
        void Claim(string claim, string paper, Func<string, double> difference)
        {
            double code = difference("MoDE (code)"), paperFormula = difference("MoDE (paper)"), calibrated = difference("MoDE (calibrated)");
            // within 0.05 points (the table's rounding) is a tie
            static string Held(double d) => double.IsNaN(d) ? "n/a" : d > 0.0005 ? "yes" : d < -0.0005 ? "no" : "tie";
            text.AppendLine($"| {claim} | {paper} | {D(code)} | {D(paperFormula)} | {D(calibrated)} | {Held(code)} / {Held(paperFormula)} / {Held(calibrated)} |");
        }
        int m = o.Cluster.FineClusters;
        foreach (int n in options.Experts)
        {
            if (Find(v => v.Experts == n && v.Fine == m && !v.Random) is not { } main) continue;
            Claim($"(a) MoDE-{n} over one model at equal total steps (baseline)", "not measured: the paper's baseline has the experts' schedule (a'); MoDE-2 costs 1.16x, MoDE-4 1.47x of it",
                r => main.Average(r) - main.Average("baseline"));
            Claim($"(a') MoDE-{n} over the seed continued on all data (single)", n == 2 ? "58.6 vs 58.2: +0.4 (MetaCLIP, 32 epochs)" : n == 4 ? "59.0 vs 58.2: +0.8 (MetaCLIP, 32 epochs)" : "above", r => main.Average(r) - main.Average("single"));
            Claim($"(c) MoDE-{n} routed over the uniform ensemble", "above", r => main.Average(r) - main.Average("uniform"));
            Claim($"(e) MoDE-{n} routing by fine over coarse centers", "MoDE-2: 58.6 vs 58.5: +0.1", r => main.Average(r) - main.Average(r.Replace(")", ", coarse)")));
            if (Find(v => v.Experts == n && v.Fine == n && !v.Random) is { } oneStep)
                Claim($"(d) MoDE-{n} two-step (m = {m}) over one-step (m = n = {n})", "MoDE-2, 400M: 58.6 vs 58.0: +0.6", r => main.Average(r) - oneStep.Average(r));
            if (Find(v => v.Experts == n && v.Random) is { } random)
                Claim($"(f) MoDE-{n} clustering over a random split", "MoDE-2: 58.6 vs 57.7: +0.9", r => main.Average(r) - random.Average(r));
        }
        if (Find(v => v.Experts == 2 && v.Fine == m && !v.Random) is { } two && Find(v => v.Experts == 4 && v.Fine == m && !v.Random) is { } four)
            Claim("(b) MoDE-4 over MoDE-2", "59.0 vs 58.6: +0.4", r => four.Average(r) - two.Average(r));
        int sweepN = options.Experts[0];
        var sweep = outcomes.Where(x => x.Variant.Experts == sweepN && !x.Variant.Random).OrderBy(x => x.Variant.Fine).ToList();
        if (sweep.Count >= 2)
        {
            Claim($"(g) MoDE-{sweepN}, largest m ({sweep[^1].Variant.Fine}) over smallest m ({sweep[0].Variant.Fine})", "MoDE-2, m 2: 58.0, 32: 58.4, 1024: 58.6, 2048: 58.7",
                r => sweep[^1].Average(r) - sweep[0].Average(r));
            text.AppendLine();
            text.AppendLine($"(g) in full, MoDE-{sweepN} by m: " + string.Join("; ", sweep.Select(x =>
                $"m = {x.Variant.Fine}: code {P(x.Average("MoDE (code)"))}, paper {P(x.Average("MoDE (paper)"))}, calibrated {P(x.Average("MoDE (calibrated)"))}")) + ".");
        }
        text.AppendLine();
        text.AppendLine("How sharply routing chose (mean over tasks of the largest expert weight; 1/n is uniform): " + string.Join("; ", outcomes.Select(x =>
            $"{x.Variant.Name} code {SharpnessOf(x.Results, "(code)")}, paper {SharpnessOf(x.Results, "(paper)")}, calibrated {SharpnessOf(x.Results, "(calibrated)")}")) + ".");
        text.AppendLine();
        text.AppendLine("### Commands");
        text.AppendLine();
        text.AppendLine("```");
        text.AppendLine(options.Command);
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine("Each clustered variant alone, without the sharing: copy the base run's folders up to `embed/` into a new run directory, then run the later stages in it (add the ablate command's training options to `mode train`; random splits exist only in `mode ablate`):");
        text.AppendLine();
        text.AppendLine("```");
        foreach (var x in outcomes.Where(x => !x.Variant.Random))
        {
            string dir = $"runs/{x.Variant.Name}";
            text.AppendLine($"mode cluster --run {dir} --fine {x.Variant.Fine} --experts {x.Variant.Experts} && mode split --run {dir} && mode train --run {dir} && mode eval --run {dir}");
        }
        text.AppendLine("```");
        text.AppendLine(end);
        return text.ToString();
    }

    static string SharpnessOf(Results results, string formula)
    {
        var weights = results.RoutedWeights.Where(w => w.Key.EndsWith(formula, StringComparison.Ordinal)).Select(w => w.Value.Max()).ToList();
        return weights.Count == 0 ? "-" : weights.Average().ToString("F2", CultureInfo.InvariantCulture);
    }
}
