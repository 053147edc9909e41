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
/// hindsight (an oracle, labelled as such), and the routed ensemble under each routing (released-code and paper
/// formulas, by fine and by coarse centers). <see cref="Run"/> scores the run's tasks (every folder in its tasks
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

    /// <summary>Scores <paramref name="tasks"/> with the run's trained models; writes nothing. <paramref name="stop"/> is
    /// honoured between tasks and between models.</summary>
    public static Results Evaluate(RunLayout run, IReadOnlyList<EvalTask> tasks, EvalOptions options, TextWriter log, CancellationToken stop = default)
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
        List<TaskMetadata> metadata;
        using (var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(run), options.Threads))
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
        var routings = RoutingOptions.All;
        var taskWeights = routings.Select(r => metadata.Select(m => ExpertRouter.Weights(m, clusters, r)).ToArray()).ToArray();
        // Text-to-image retrieval routes each query on its own (the MoDE paper's retrieval protocol).
        var queryWeights = routings.Select(r => tasks.Select((t, i) => t is RetrievalTask ? ExpertRouter.PerQuery(metadata[i].ClassEmbeddings, clusters, r) : null).ToArray()).ToArray();

        // scores[model][task]: logits [images x classes] or similarities [images x captions];
        // models 0..n-1 are the experts, then the single model, then the baseline
        string[] models = [.. RunModels.Of(n).Where(m => m != RunModels.Seed)];
        var progress = new ConsoleProgress("eval", tasks.Count * models.Length, log);
        var scores = new float[models.Length][][];
        for (int model = 0; model < models.Length; model++)
        {
            using var state = TrainState.Load(run.Model(models[model]), threads);
            scores[model] = new float[tasks.Count][];
            for (int t = 0; t < tasks.Count; t++)
            {
                stop.ThrowIfCancellationRequested();
                if (tasks[t].Images.Height != state.Model.Config.Vision.ImageSize)
                    throw new InvalidDataException($"task {tasks[t].Name}: images are {tasks[t].Images.Height} px, model {models[model]} takes {state.Model.Config.Vision.ImageSize}");
                scores[model][t] = tasks[t] switch
                {
                    ClassificationTask c => ZeroShotClassifier.Logits(state.Model, tokenizer, c.Prompts, c.Images),
                    RetrievalTask r => RetrievalScorer.Similarities(state.Model, tokenizer, r),
                    _ => throw new InvalidOperationException(),
                };
                progress.Report(model * tasks.Count + t + 1);
            }
        }

        Dictionary<string, double> Measure(int t, float[] imageSide, float[] textSide) => tasks[t] switch
        {
            ClassificationTask c => ClassificationMetrics.Measure(imageSide, c.Labels, c.Prompts.Classes.Count),
            RetrievalTask r => RetrievalMetrics.Measure(imageSide, textSide, r.Images.Count, r.ImageOfCaption),
            _ => throw new InvalidOperationException(),
        };
        float[][] ExpertScores(int t) => Enumerable.Range(0, n).Select(c => scores[c][t]).ToArray();
        Results.Method Method(string name, string description, Func<int, (float[] ImageSide, float[] TextSide)> combine)
        {
            var metrics = Enumerable.Range(0, tasks.Count).Select(t => { var (i, x) = combine(t); return Measure(t, i, x); }).ToList();
            return new Results.Method(name, description, metrics.Select((m, t) => m[tasks[t].Headline]).ToArray()) { Metrics = metrics };
        }
        Results.Method Single(string name, string description, int model) => Method(name, description, t => (scores[model][t], scores[model][t]));

        var methods = new List<Results.Method>
        {
            Single("baseline", $"one model trained from scratch for the seed's and all {n} experts' steps together (equal compute)", n + 1),
            Single("single", "the seed continued on all data for the experts' steps (the paper's baseline: same schedule as one expert)", n),
        };
        var experts = Enumerable.Range(0, n).Select(c => Single($"expert {c}", $"data expert {c} alone", c)).ToList();
        methods.AddRange(experts);
        methods.Add(Method("uniform", "all experts with equal weight", t => Both(Ensemble.Combine(ExpertScores(t), Ensemble.Uniform(n)))));
        methods.Add(Method("max", "per image and class (or caption), the highest score over experts", t => Both(Ensemble.Max(ExpertScores(t)))));
        var best = Enumerable.Range(0, tasks.Count).Select(t => Enumerable.Range(0, n).MaxBy(c => experts[c].Accuracy[t])).ToArray();
        methods.Add(new Results.Method("oracle", "the best single expert for each task, chosen on the test labels: a bound on what routing could reach, not a fair method",
            Enumerable.Range(0, tasks.Count).Select(t => experts[best[t]].Accuracy[t]).ToArray())
        {
            Metrics = Enumerable.Range(0, tasks.Count).Select(t => experts[best[t]].Metrics![t]).ToList(),
        });
        for (int r = 0; r < routings.Count; r++)
        {
            var routing = routings[r];
            string formula = routing.Formula == RoutingFormula.Paper ? "the paper's formula (max filter, lambda 0.2)" : "the released code's formula (softmax(score / 8))";
            string centers = routing.Centers == RoutingCenters.Coarse ? "coarse centers" : "fine centers";
            int index = r;
            methods.Add(Method($"MoDE ({routing.Name})", $"routed ensemble, {formula}, by {centers}; retrieval: the corpus routes image->text, each query routes text->image", t =>
            {
                var image = Ensemble.Combine(ExpertScores(t), taskWeights[index][t]);
                return (image, queryWeights[index][t] is { } perQuery ? Ensemble.CombinePerColumn(ExpertScores(t), perQuery) : image);
            }));
        }

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

    static (float[], float[]) Both(float[] scores) => (scores, scores);
}
