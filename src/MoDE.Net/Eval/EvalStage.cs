using MoDE.Cluster;
using MoDE.Data;
using MoDE.Embed;
using MoDE.Route;
using MoDE.Run;
using MoDE.Train;

namespace MoDE.Eval;

/// <summary>
/// Stage 5: zero-shot accuracy on every task of the run for the equal-compute baseline, the single model on
/// the experts' schedule (the paper's baseline), each expert alone,
/// the uniform ensemble, the routed ensemble (released-code formula, the default, and the paper's formula),
/// the max over experts, and the best single expert in hindsight (an oracle).
/// </summary>
public static class EvalStage
{
    public const string Name = "eval";

    public static Results Run(RunLayout run, EvalOptions options, TextWriter log)
    {
        if (StageMarker.IsDone(run, Name, options)) { log.WriteLine("eval: done already, skipped"); return Results.Load(run); }
        StageMarker.Require(run, Name, TrainStage.Name);
        var tasks = TaskStore.LoadAll(run.TasksFolder);
        if (tasks.Count == 0) throw new InvalidOperationException($"{run.TasksFolder}: no task folders (task.json) to evaluate");
        var clusters = ClusterHierarchy.Load(run);
        var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
        int n = clusters.CoarseCount;
        int? threads = options.Threads > 0 ? options.Threads : null;

        using var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(run), options.Threads); // the run's caption encoder
        var routing = tasks.Select(t => TaskMetadata.Embed(t, encoder)).ToList();
        var code = routing.Select(m => ExpertRouter.Weights(m, clusters, RoutingFormula.ReleasedCode)).ToList();
        var paper = routing.Select(m => ExpertRouter.Weights(m, clusters, RoutingFormula.Paper)).ToList();

        // logits[model][task]; models 0..n-1 are the experts, then the single model, then the baseline
        string[] models = [.. Enumerable.Range(0, n).Select(RunLayout.ExpertModelName), RunLayout.SingleModelName, RunLayout.BaselineModelName];
        var progress = new ConsoleProgress("eval", tasks.Count * models.Length, log);
        var logits = new float[models.Length][][];
        for (int model = 0; model < models.Length; model++)
        {
            string name = models[model];
            using var state = TrainState.Load(run.Model(name), threads);
            logits[model] = new float[tasks.Count][];
            for (int t = 0; t < tasks.Count; t++)
            {
                logits[model][t] = ZeroShotClassifier.Logits(state.Model, tokenizer, tasks[t]);
                progress.Report(model * tasks.Count + t + 1);
            }
        }

        double Accuracy(int t, float[] l) => ZeroShotClassifier.Accuracy(l, tasks[t].Labels, tasks[t].Classes.Count);
        double[] PerTask(Func<int, float[]> logitsOfTask) => Enumerable.Range(0, tasks.Count).Select(t => Accuracy(t, logitsOfTask(t))).ToArray();
        float[][] ExpertLogits(int t) => Enumerable.Range(0, n).Select(c => logits[c][t]).ToArray();

        var experts = Enumerable.Range(0, n).Select(c => PerTask(t => logits[c][t])).ToArray();
        var methods = new List<Results.Method>
        {
            new("baseline", $"one model trained from scratch for the seed's and all {n} experts' steps together (equal compute)", PerTask(t => logits[n + 1][t])),
            new("single", "the seed continued on all data for the experts' steps (the paper's baseline: same schedule as one expert)", PerTask(t => logits[n][t])),
        };
        methods.AddRange(experts.Select((a, c) => new Results.Method($"expert {c}", $"data expert {c} alone", a)));
        methods.Add(new("uniform", "all experts with equal weight", PerTask(t => Ensemble.Combine(ExpertLogits(t), Ensemble.Uniform(n)))));
        methods.Add(new("max", "per image and class, the highest logit over experts", PerTask(t => MaxOver(ExpertLogits(t)))));
        methods.Add(new("oracle", "ORACLE: the best single expert for each task, chosen on the test labels",
            Enumerable.Range(0, tasks.Count).Select(t => experts.Max(a => a[t])).ToArray()));
        methods.Add(new("MoDE (paper)", "routed ensemble, the paper's formula (max filter, lambda 0.2)",
            PerTask(t => Ensemble.Combine(ExpertLogits(t), paper[t]))));
        methods.Add(new("MoDE (code)", "routed ensemble, the released code's formula (softmax(score / 8)): the default",
            PerTask(t => Ensemble.Combine(ExpertLogits(t), code[t]))));

        var weights = new Dictionary<string, double[]>();
        for (int t = 0; t < tasks.Count; t++)
        {
            weights[$"{tasks[t].Name} (code)"] = code[t];
            weights[$"{tasks[t].Name} (paper)"] = paper[t];
        }
        var results = new Results(tasks.Select(t => t.Name).ToList(), methods, weights, "");
        results.Save(run);
        StageMarker.MarkDone(run, Name, options);
        return results;
    }

    static float[] MaxOver(float[][] logits)
    {
        var result = (float[])logits[0].Clone();
        foreach (var l in logits.Skip(1)) System.Numerics.Tensors.TensorPrimitives.Max(result, l, result);
        return result;
    }
}
