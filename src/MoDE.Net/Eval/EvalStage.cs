using MoDE.Cluster;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Route;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Eval;

/// <summary>
/// Stage 5: every task scored for the equal-compute baseline, the single model on the experts' schedule (the
/// paper's baseline), each expert alone, the uniform ensemble, the max over experts, the best single expert in
/// hindsight (an oracle, labelled as such), and the routed ensemble under each routing (released-code, paper and
/// calibrated formulas, by fine and by coarse centers). <see cref="Run"/> scores the run's tasks (every folder in its tasks
/// folder: the built-in ones, or the held-out split of the user's pairs, and any copied there) and
/// <see cref="EvalOptions.Tasks"/>; <see cref="Evaluate"/> any set of tasks (<c>mode eval --tasks</c>).
/// </summary>
public static class EvalStage
{
    /// <summary>The results table of the run's tasks, from the trained models.</summary>
    public static readonly Stage Stage = new("eval", [TrainStage.Stage], run => [run.ResultsJson, run.ResultsMarkdown]);

    public static Results Run(RunLayout run, EvalOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        using var hold = Stage.Begin(run, options, log);
        if (hold is null) return Results.Load(run);
        var folders = RequireTasks(run, options);
        int size = ImageSize(run);
        var tasks = folders.Select(f => TaskFolder.Load(f, size, options.AllowOutsidePaths)).ToList();
        Results results;
        try { results = Evaluate(run, tasks, options, log, stop); }
        finally { foreach (var task in tasks) task.Images.Dispose(); }
        results.Save(run);
        Stage.Finish(run, options);
        return results;
    }

    /// <summary>The folders <see cref="Run"/> scores: the run's own, by name, then <see cref="EvalOptions.Tasks"/>.</summary>
    public static List<string> TaskFolders(RunLayout run, EvalOptions options) =>
    [
        .. (Directory.Exists(run.TasksFolder) ? Directory.GetDirectories(run.TasksFolder).Order(StringComparer.Ordinal) : Enumerable.Empty<string>()),
        .. options.Tasks ?? [],
    ];

    /// <summary><see cref="TaskFolders"/>, or an error saying how to get a task when there is none.</summary>
    public static List<string> RequireTasks(RunLayout run, EvalOptions options)
    {
        var folders = TaskFolders(run, options);
        if (folders.Count > 0) return folders;
        throw new InvalidOperationException(
            $"{run.TasksFolder}: no task folders to evaluate; a --source of at least {2 * new SourceOptions().HeldOutMin} pairs holds a share of them out as one (--held-out), " +
            $"or import one (`{ModeCommand.Invocation} import fashion-mnist --task-only --run {ModeCommand.Quote(run.Root)}`), copy task folders there, " +
            $"or name them with `{ModeCommand.Invocation} run --tasks DIR`");
    }

    /// <summary>The image size the run's models take.</summary>
    public static int ImageSize(RunLayout run)
    {
        using var state = TrainState.Load(run.Model(RunModels.Seed));
        return state.Model.Config.Vision.ImageSize;
    }

    /// <summary>Scores <paramref name="tasks"/> with the run's trained models; writes nothing. Each model is loaded once and
    /// leaves its <see cref="TaskFeatures"/> of every task (d floats per image, class and caption), which <see cref="Score"/>
    /// measures. <paramref name="stop"/> is honoured between models, tasks and blocks of images. <paramref name="metadata"/>,
    /// when given, is each task's routing metadata made by another encoder than the run's caption encoder (one whose space
    /// the run's centers are in, e.g. the seed model's own text tower; the MoDE paper, Table 7).</summary>
    public static Results Evaluate(RunLayout run, IReadOnlyList<EvalTask> tasks, EvalOptions options, TextWriter log, CancellationToken stop = default,
                                   IReadOnlyList<TaskMetadata>? metadata = null)
    {
        Stage.Require(run);
        if (tasks.Count == 0) throw new ArgumentException("no tasks to evaluate", nameof(tasks));
        if (tasks.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidDataException($"{twice.Count()} tasks are named '{twice.Key}'; give each task folder its own name (task.json's \"name\")");
        var clusters = ClusterHierarchy.Load(run);
        var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
        int n = RunModels.Experts(run);
        if (clusters.CoarseCount != n) throw new InvalidDataException($"{run.Hierarchy}: {clusters.CoarseCount} coarse clusters, but {run.SplitReport} has {n} experts");
        int? threads = options.Threads > 0 ? options.Threads : null;

        // Routing metadata, through the run's caption encoder: class prompts, or a retrieval set's captions.
        if (metadata is not null && (metadata.Count != tasks.Count || metadata.Where((m, i) => m.Task != tasks[i].Name).Any()))
            throw new ArgumentException("one routing metadata per task, in the tasks' order", nameof(metadata));
        if (metadata is null)
        {
            using var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(run), options.Threads);
            metadata = tasks.Select(t =>
            {
                stop.ThrowIfCancellationRequested();
                return t switch
                {
                    ClassificationTask c => TaskMetadata.Embed(c.Name, c.Prompts, encoder),
                    RetrievalTask r => TaskMetadata.OfTexts(r.Name, r.Captions, encoder),
                    _ => throw new ArgumentException($"task {t.Name}: unknown kind {t.GetType().Name}", nameof(tasks)),
                };
            }).ToList();
        }
        var routings = RoutingOptions.All;
        var taskWeights = routings.Select(r => metadata.Select(m => ExpertRouter.Weights(m, clusters, r)).ToArray()).ToArray();
        // Text-to-image retrieval routes each query on its own (the MoDE paper's retrieval protocol).
        var queryWeights = routings.Select(r => tasks.Select((t, i) => t is RetrievalTask ? ExpertRouter.PerQuery(metadata[i].ClassEmbeddings, clusters, r) : null).ToArray()).ToArray();

        // features[model][task]: models 0..n-1 are the experts, then the single model, then the baseline
        string[] models = [.. RunModels.Of(n).Where(m => m != RunModels.Seed)];
        var progress = new ConsoleProgress("eval", tasks.Count * models.Length, log);
        var features = new TaskFeatures[models.Length][];
        for (int model = 0; model < models.Length; model++)
        {
            using var state = TrainState.Load(run.Model(models[model]), threads);
            features[model] = new TaskFeatures[tasks.Count];
            for (int t = 0; t < tasks.Count; t++)
            {
                stop.ThrowIfCancellationRequested();
                if (tasks[t].Images.Height != state.Model.Config.Vision.ImageSize)
                    throw new InvalidDataException($"task {tasks[t].Name}: images are {tasks[t].Images.Height} px, model {models[model]} takes {state.Model.Config.Vision.ImageSize}");
                features[model][t] = TaskFeatures.Of(state.Model, tokenizer, tasks[t]);
                progress.Report(model * tasks.Count + t + 1);
            }
        }
        return Score(tasks, features, taskWeights, queryWeights, stop);
    }

    /// <summary>
    /// Every method measured on every task (<see cref="ScoreBlocks"/>, block by block of images) from each model's
    /// <paramref name="features"/>[model][task] (models 0..n-1 the experts, then the single model, then the baseline),
    /// the routed weights of each routing in <see cref="RoutingOptions.All"/> per task, and per query for retrieval
    /// tasks (null for the others).
    /// </summary>
    public static Results Score(IReadOnlyList<EvalTask> tasks, TaskFeatures[][] features, double[][][] taskWeights, double[][]?[][] queryWeights,
                                CancellationToken stop = default, int blockValues = ScoreBlocks.DefaultBlockValues)
    {
        int n = features.Length - 2;
        var routings = RoutingOptions.All;
        static BlockScoring Model(int model) => (scores, _) => scores[model];
        ArraySegment<float[]> Experts(float[][] scores) => new(scores, 0, n);
        BlockScoring Weighted(double[] weights) => (scores, buffer) => { Ensemble.Combine(Experts(scores), weights, buffer); return buffer; };
        var scored = new List<(string Name, string Description, Func<int, (BlockScoring Image, BlockScoring? Text)> Sides)>
        {
            ("baseline", $"one model trained from scratch for the seed's and all {n} experts' steps together (equal compute)", _ => (Model(n + 1), null)),
            ("single", "the seed continued on all data for the experts' steps (the paper's baseline: same schedule as one expert)", _ => (Model(n), null)),
        };
        scored.AddRange(Enumerable.Range(0, n).Select(c => ($"expert {c}", $"data expert {c} alone", (Func<int, (BlockScoring, BlockScoring?)>)(_ => (Model(c), null)))));
        scored.Add(("uniform", "all experts with equal weight", _ => (Weighted(Ensemble.Uniform(n)), null)));
        scored.Add(("max", "per image and class (or caption), the highest score over experts", _ => ((scores, buffer) => { Ensemble.Max(Experts(scores), buffer); return buffer; }, null)));
        for (int r = 0; r < routings.Count; r++)
        {
            var routing = routings[r];
            int index = r;
            scored.Add(($"MoDE ({routing.Name})", $"routed ensemble, {routing.Description}; retrieval: the corpus routes image->text, each query routes text->image", t =>
                (Weighted(taskWeights[index][t]), queryWeights[index][t] is { } perQuery
                    ? (scores, buffer) => { Ensemble.CombinePerColumn(Experts(scores), perQuery, buffer); return buffer; }
                    : null)));
        }

        // measured[task][method]
        var measured = tasks.Select((task, t) =>
            ScoreBlocks.Measure(task, features.Select(m => m[t]).ToList(), scored.Select(m => m.Sides(t)).ToList(), blockValues, stop)).ToList();
        var methods = scored.Select((m, k) => new Results.Method(m.Name, m.Description, tasks.Select((task, t) => measured[t][k][task.Headline]).ToArray())
        {
            Metrics = measured.Select(perMethod => perMethod[k]).ToList(),
        }).ToList();
        var experts = methods.GetRange(2, n);
        var best = Enumerable.Range(0, tasks.Count).Select(t => Enumerable.Range(0, n).MaxBy(c => experts[c].Accuracy[t])).ToArray();
        methods.Insert(2 + n + 2, new Results.Method("oracle", "the best single expert for each task, chosen on the test labels: a bound on what routing could reach, not a fair method",
            Enumerable.Range(0, tasks.Count).Select(t => experts[best[t]].Accuracy[t]).ToArray())
        {
            Metrics = Enumerable.Range(0, tasks.Count).Select(t => experts[best[t]].Metrics![t]).ToList(),
        });

        var weights = new Dictionary<string, double[]>();
        for (int t = 0; t < tasks.Count; t++)
            for (int r = 0; r < routings.Count; r++)
            {
                weights[$"{tasks[t].Name} ({routings[r].Name})"] = taskWeights[r][t];
                if (queryWeights[r][t] is { } perQuery)
                    weights[$"{tasks[t].Name} ({routings[r].Name}, per query, mean)"] =
                        Enumerable.Range(0, n).Select(c => perQuery.Average(w => w[c])).ToArray();
            }
        string about = string.Join(" ", tasks.Where(t => t.Description is not null).Select(t => $"Task {t.Name}: {t.Description}."));
        return new Results(tasks.Select(t => t.Name).ToList(), methods, weights, about)
        {
            Headlines = tasks.Select(t => t.Headline).ToList(), TaskSizes = tasks.Select(t => t.TestSize).ToList(),
        };
    }
}
