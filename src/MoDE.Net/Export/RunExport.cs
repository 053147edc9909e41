using MoDE.Cluster;
using MoDE.Embed;
using MoDE.Model;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Export;

/// <summary>
/// <c>mode export</c>: a run's models and router as files the PyTorch world reads. For each model of the run (seed,
/// every expert, single, baseline) a folder <c>TO/MODEL/</c> with <see cref="OpenClipCheckpoint.FileName"/> and
/// <see cref="OpenClipConfig.FileName"/> (open_clip's local-dir layout); the router (<see cref="RouterFile"/>) and its
/// centers; the run's BPE as open_clip's merges file when it gives the same ids (<see cref="OpenClipMerges"/>);
/// <c>mode_clip.py</c>, the plain PyTorch module that loads, routes and ensembles them; and a README for this run
/// (<see cref="ExportReadme"/>). Every file is written atomically; the README last, so an export is complete when it
/// has one. The router file, written first, names the run: a rerun into the same folder replaces the files of the
/// earlier export, and any other non-empty folder is refused.
/// </summary>
public static class RunExport
{
    public const string PythonModuleFileName = "mode_clip.py";

    /// <summary>Exports <paramref name="run"/> to <see cref="ExportOptions.To"/>; returns the export folder. Throws
    /// <see cref="InvalidOperationException"/> naming the model and the stage to run when a model is unfinished,
    /// <see cref="IOException"/> when the target is a file or a foreign non-empty folder, and
    /// <see cref="InvalidDataException"/> naming the file when a checkpoint is damaged.</summary>
    public static string Run(RunLayout run, ExportOptions options, TextWriter log, CancellationToken stop = default)
    {
        options.Validate();
        string to = Path.GetFullPath(options.To);
        int experts = RunModels.Experts(run);
        var models = RunModels.Of(experts);
        foreach (string model in models)
            if (!File.Exists(run.Model(model)))
                throw new InvalidOperationException($"{run.Model(model)} is missing: model {model} is unfinished; run `{ModeCommand.Invocation} train --run {ModeCommand.Quote(run.Root)}` first");
        if (!File.Exists(run.Tokenizer))
            throw new InvalidOperationException($"{run.Tokenizer} is missing; run `{ModeCommand.Invocation} train --run {ModeCommand.Quote(run.Root)}` first");
        RequireTarget(to, run);

        var clusters = ClusterHierarchy.Load(run);
        if (clusters.CoarseCount != experts) throw new InvalidDataException($"{run.Hierarchy}: {clusters.CoarseCount} coarse clusters, but {run.SplitReport} has {experts} experts");
        var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
        string encoderName = EmbedStage.EncoderOf(run);
        Directory.CreateDirectory(to);
        using (var encoder = CaptionEncoder.Open(encoderName))
            AtomicFile.WriteAllText(Path.Combine(to, RouterFile.FileName), RouterFile.ToJson(run.Root, clusters,
                [.. Enumerable.Range(0, experts).Select(RunModels.Expert)],
                new Dictionary<string, string> { [RunModels.Seed] = RunModels.Seed, [RunModels.Single] = RunModels.Single, [RunModels.Baseline] = RunModels.Baseline },
                encoderName, encoder, tokenizer, options.Routing));
        RouterFile.WriteCenters(clusters, to);
        if (OpenClipMerges.Mismatch(tokenizer) is null) OpenClipMerges.Write(tokenizer, Path.Combine(to, OpenClipMerges.FileName));
        AtomicFile.WriteAllText(Path.Combine(to, PythonModuleFileName), PythonModule());

        ClipConfig? config = null;
        for (int i = 0; i < models.Count; i++)
        {
            stop.ThrowIfCancellationRequested();
            string model = models[i], folder = Path.Combine(to, model);
            using var state = TrainState.Load(run.Model(model));
            config ??= state.Config;
            if (state.Config != config)
                throw new InvalidDataException($"{run.Model(model)}: model {model}'s architecture differs from the seed's; the run is inconsistent");
            long bytes = 4 * state.Model.ParameterCount;
            var progress = new ConsoleProgress($"export {model}", bytes, log);
            Directory.CreateDirectory(folder);
            AtomicFile.WriteAllText(Path.Combine(folder, OpenClipConfig.FileName), OpenClipConfig.ToJson(state.Config));
            OpenClipCheckpoint.Save(state.Model, Path.Combine(folder, OpenClipCheckpoint.FileName), written => progress.Report(written, $"{written >> 20} of {bytes >> 20} MiB"));
            log.WriteLine($"export: {i + 1}/{models.Count} {model} -> {folder} ({state.Model.ParameterCount:N0} parameters)");
        }
        AtomicFile.WriteAllText(Path.Combine(to, ExportReadme.FileName), ExportReadme.Text(run.Root, config!, experts, encoderName, tokenizer));
        log.WriteLine($"export: {to} holds {models.Count} models, {RouterFile.FileName} and {ExportReadme.FileName}");
        return to;
    }

    /// <summary>Throws unless <paramref name="to"/> is absent, an empty folder, or a folder whose router file names
    /// <paramref name="run"/> (an earlier export of it).</summary>
    static void RequireTarget(string to, RunLayout run)
    {
        if (File.Exists(to)) throw new IOException($"{to} is a file; --to names the export folder");
        if (!Directory.Exists(to) || !Directory.EnumerateFileSystemEntries(to).Any()) return;
        string router = Path.Combine(to, RouterFile.FileName);
        string? exported = File.Exists(router) ? RouterFile.RunOf(router) : null;
        if (exported != run.Root)
            throw new IOException(exported is null
                ? $"{to} is not empty and not a MoDE export (no readable {RouterFile.FileName}); name a new or empty folder"
                : $"{to} holds an export of another run ({exported}); name a new or empty folder");
    }

    /// <summary>mode_clip.py as this build ships it (src/MoDE.Net/Export/mode_clip.py, an embedded resource).</summary>
    public static string PythonModule()
    {
        using var stream = typeof(RunExport).Assembly.GetManifestResourceStream("MoDE.Export.mode_clip.py")
            ?? throw new InvalidOperationException($"{typeof(RunExport).Assembly.GetName().Name} ships no mode_clip.py");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
