using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MoDE.Cluster;
using MoDE.Data;
using MoDE.Data.Ingest;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Export;
using MoDE.Model;
using MoDE.Route;
using MoDE.Split;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;
using TorchSharp;

namespace MoDE.Classify;

/// <summary>
/// A run's data experts as a zero-shot classifier for any class names (the MoDE paper's inference-time task adaptation):
/// the class names are embedded by the run's caption encoder and routed to the experts (<see cref="ExpertRouter"/>),
/// each expert scores every image against every class (<see cref="ZeroShotClassifier"/>), and the scores are combined
/// with the routed weights (<see cref="Ensemble.Combine(IReadOnlyList{float[]}, IReadOnlyList{double})"/>): the same
/// code paths, prompts and image preprocessing as <c>mode eval</c>, so the answer is eval's routed prediction.
/// <see cref="Open"/> loads the experts, the router, the tokenizer and the caption encoder once, from a run directory or
/// a <c>mode export</c> folder. Class embeddings (the caption encoder's and each model's text side) are cached by their
/// text. Thread-safe: every libtorch and ONNX Runtime pass runs under one lock, the rest outside it.
/// </summary>
public sealed class ExpertEnsemble : IDisposable
{
    readonly Clip[] models;
    readonly float[] logitScales;
    readonly CaptionTokenizer tokenizer;
    readonly CaptionEncoder? encoder;
    readonly ClusterHierarchy? clusters;
    readonly object gate = new();
    readonly ConcurrentDictionary<(string Templates, string Name), Lazy<ClassVectors>> classes = new();

    /// <summary>A class name's embeddings under one template set: the caption encoder's (routing) and each model's text side.</summary>
    sealed record ClassVectors(float[]? Routing, float[][] Models);

    ExpertEnsemble(string source, EnsembleOptions options, Clip[] models, IReadOnlyList<string> names, CaptionTokenizer tokenizer,
                   CaptionEncoder? encoder, ClusterHierarchy? clusters, ClusterReport? report)
    {
        Source = source;
        Options = options;
        this.models = models;
        ModelNames = names;
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.clusters = clusters;
        Report = report;
        logitScales = models.Select(m => (float)Math.Exp(Math.Min(m.LogitScale.ToSingle(), Clip.MaxLogitScale))).ToArray();
        ImageSize = models[0].Config.Vision.ImageSize;
    }

    /// <summary>The run directory or export folder the models came from.</summary>
    public string Source { get; }

    public EnsembleOptions Options { get; }

    /// <summary>The models that answer, in weight order: expert_0.. (or the single model).</summary>
    public IReadOnlyList<string> ModelNames { get; }

    /// <summary>The side of the square images the models take.</summary>
    public int ImageSize { get; }

    /// <summary>How many (template set, class name) pairs have their embeddings cached.</summary>
    public int CachedClasses => classes.Count;

    /// <summary>The run's cluster report (what each expert is about), when the run has one; null for an export folder.</summary>
    public ClusterReport? Report { get; }

    /// <summary>
    /// Loads the models of <paramref name="path"/>: a run directory whose training has finished, or a folder written by
    /// <c>mode export</c> (found by its <see cref="RouterFile.FileName"/>). Throws <see cref="InvalidOperationException"/>
    /// naming the stage to run when a model is missing, and <see cref="InvalidDataException"/> naming the file when one is damaged.
    /// </summary>
    public static ExpertEnsemble Open(string path, EnsembleOptions? options = null)
    {
        options = (options ?? new EnsembleOptions()).Validate();
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: no such run directory or export folder");
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        return File.Exists(Path.Combine(path, RouterFile.FileName)) ? OpenExport(path, options) : OpenRun(new RunLayout(path), options);
    }

    static ExpertEnsemble OpenRun(RunLayout run, EnsembleOptions options)
    {
        int experts = RunModels.Experts(run);
        string[] names = options.Models == EnsembleModels.Single ? [RunModels.Single] : [.. Enumerable.Range(0, experts).Select(RunModels.Expert)];
        foreach (string model in names.Append("tokenizer"))
        {
            string file = model == "tokenizer" ? run.Tokenizer : run.Model(model);
            if (!File.Exists(file))
                throw new InvalidOperationException($"{file} is missing: the run's training is unfinished; run `{ModeCommand.Invocation} train --run {ModeCommand.Quote(run.Root)}` first");
        }
        var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
        ClusterHierarchy? clusters = null;
        if (options.Models == EnsembleModels.Experts)
        {
            clusters = ClusterHierarchy.Load(run);
            if (clusters.CoarseCount != experts) throw new InvalidDataException($"{run.Hierarchy}: {clusters.CoarseCount} coarse clusters, but {run.SplitReport} has {experts} experts");
        }
        var report = File.Exists(run.ClusterReport) ? ClusterReport.Load(run.ClusterReport) : null;
        return Assemble(run.Root, options, names, tokenizer, clusters, clusters is null ? null : EmbedStage.EncoderOf(run), report, model =>
        {
            var state = TrainState.Load(run.Model(model), options.Threads > 0 ? options.Threads : null);
            state.Optimizer.Dispose(); // only the weights answer
            return state.Model;
        });
    }

    /// <summary>An export folder: <see cref="RouterFile"/>'s map, centers, caption encoder and merges, and each model's open_clip folder.</summary>
    static ExpertEnsemble OpenExport(string folder, EnsembleOptions options)
    {
        string routerPath = Path.Combine(folder, RouterFile.FileName);
        JsonNode router;
        try { router = JsonNode.Parse(File.ReadAllText(routerPath)) ?? throw new InvalidDataException($"{routerPath}: empty"); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{routerPath}: not JSON ({e.Message})", e); }
        T Field<T>(params string[] keys)
        {
            JsonNode? node = router;
            foreach (string key in keys) node = node?[key];
            try { return node is null ? throw new InvalidDataException($"{routerPath}: no {string.Join('.', keys)}") : node.GetValue<T>(); }
            catch (Exception e) when (e is FormatException or InvalidOperationException) { throw new InvalidDataException($"{routerPath}: {string.Join('.', keys)} is not a {typeof(T).Name}", e); }
        }
        if (Field<int>("format_version") != RouterFile.FormatVersion)
            throw new InvalidDataException($"{routerPath}: format version {Field<int>("format_version")}, this build reads {RouterFile.FormatVersion}");
        string merges = router["tokenizer"]?["merges"]?.GetValue<string>()
            ?? throw new InvalidDataException($"{routerPath}: the export has no merges file ({router["tokenizer"]?["not_exported_because"]}); open the run directory instead");
        var tokenizer = CaptionTokenizer.FromOpenClipMerges(Inside(folder, merges), Field<int>("tokenizer", "context_length"),
            Field<int>("tokenizer", "vocab_size") - CaptionTokenizer.MinimumVocabSize);
        var expertFolders = (router["models"]?["experts"] as JsonArray ?? throw new InvalidDataException($"{routerPath}: no models.experts"))
            .Select(f => f?.GetValue<string>() ?? throw new InvalidDataException($"{routerPath}: an expert folder is null")).ToList();
        string[] folders = options.Models == EnsembleModels.Single ? [Field<string>("models", RunModels.Single)] : [.. expertFolders];
        ClusterHierarchy? clusters = null;
        if (options.Models == EnsembleModels.Experts)
        {
            var (fine, m, d) = Npy.ReadMatrix(Inside(folder, Field<string>("centers", "fine")));
            var (coarse, n, coarseD) = Npy.ReadMatrix(Inside(folder, Field<string>("centers", "coarse")));
            int[] fineToCoarse = (router["fine_to_coarse"] as JsonArray ?? throw new InvalidDataException($"{routerPath}: no fine_to_coarse"))
                .Select(c => c?.GetValue<int>() ?? -1).ToArray();
            if (coarseD != d || fineToCoarse.Length != m || fineToCoarse.Any(c => c < 0 || c >= n) || n != expertFolders.Count)
                throw new InvalidDataException($"{routerPath}: fine_to_coarse, the centers and the experts do not agree");
            clusters = new ClusterHierarchy(fine, coarse, d, fineToCoarse, []);
        }
        return Assemble(folder, options, folders, tokenizer, clusters, clusters is null ? null : Field<string>("caption_encoder", "name"), null, model =>
        {
            string modelFolder = Inside(folder, model);
            return Clip.FromOpenClip(OpenClipConfig.Read(Path.Combine(modelFolder, OpenClipConfig.FileName)), Path.Combine(modelFolder, OpenClipCheckpoint.FileName));
        });
    }

    /// <summary>A file the router file names, which must stay inside the export folder.</summary>
    static string Inside(string folder, string name) =>
        new DataPath(folder, allowOutside: false).Resolve(name, out string problem) ?? throw new InvalidDataException($"{Path.Combine(folder, RouterFile.FileName)}: '{name}' {problem}");

    static ExpertEnsemble Assemble(string source, EnsembleOptions options, string[] names, CaptionTokenizer tokenizer, ClusterHierarchy? clusters,
                                   string? encoderName, ClusterReport? report, Func<string, Clip> load)
    {
        var models = new List<Clip>();
        CaptionEncoder? encoder = null;
        try
        {
            foreach (string name in names)
            {
                models.Add(load(name));
                if (models[^1].Config.Vision.ImageSize != models[0].Config.Vision.ImageSize)
                    throw new InvalidDataException($"{source}: model {name} takes {models[^1].Config.Vision.ImageSize} px images, model {names[0]} {models[0].Config.Vision.ImageSize}");
            }
            if (encoderName is not null) encoder = CaptionEncoder.Open(encoderName, options.Threads);
            return new ExpertEnsemble(source, options, [.. models], names, tokenizer, encoder, clusters, report);
        }
        catch
        {
            encoder?.Dispose();
            foreach (var model in models) model.Dispose();
            throw;
        }
    }

    /// <summary>Encoded images (JPEG, PNG, WebP, GIF, BMP) decoded and resized as <c>mode eval</c>'s task images, under
    /// <paramref name="limits"/>' byte and pixel limits (the ingest stage's by default); a bad one is an
    /// <see cref="InvalidDataException"/> naming it.</summary>
    public ImageSet Decode(IReadOnlyList<(string Name, byte[] Bytes)> images, SourceOptions? limits = null) => ImageFiles.Load(images, ImageSize, limits);

    /// <summary>Each model's unit features of every image: [model][image][d].</summary>
    public float[][][] ImageFeatures(IImageRows images)
    {
        if (images.Height != ImageSize || images.Width != ImageSize)
            throw new ArgumentException($"images are {images.Height}x{images.Width}, the models take {ImageSize}x{ImageSize}", nameof(images));
        lock (gate) return models.Select(m => m.EncodeImages(images)).ToArray();
    }

    /// <summary>
    /// Which of <paramref name="classNames"/> fits each image. <paramref name="templates"/> are prompt templates with
    /// "{}" for the name (default: <see cref="EnsembleOptions.Templates"/>); <paramref name="routing"/> overrides
    /// <see cref="EnsembleOptions.Routing"/>, <paramref name="top"/> <see cref="EnsembleOptions.Top"/>. Throws
    /// <see cref="ArgumentException"/> (parameter classNames or templates) when the classes are empty or repeat a name.
    /// </summary>
    public Classification Classify(IImageRows images, IReadOnlyList<string> classNames, IReadOnlyList<string>? templates = null, RoutingOptions? routing = null, int? top = null) =>
        Classify(ImageFeatures(images), classNames, templates, routing, top);

    /// <summary><see cref="Classify(IImageRows, IReadOnlyList{string}, IReadOnlyList{string}?, RoutingOptions?, int?)"/> from
    /// <see cref="ImageFeatures"/> already computed (several requests' images encoded in one pass).</summary>
    public Classification Classify(IReadOnlyList<float[][]> imageFeatures, IReadOnlyList<string> classNames, IReadOnlyList<string>? templates = null,
                                   RoutingOptions? routing = null, int? top = null)
    {
        if (imageFeatures.Count != models.Length) throw new ArgumentException($"features of {imageFeatures.Count} models, the ensemble has {models.Length}", nameof(imageFeatures));
        var prompts = new ClassPrompts(classNames, templates ?? PromptTemplates.Get(Options.Templates));
        int k = top ?? Options.Top;
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1, nameof(top));
        var vectors = Vectors(prompts);
        routing ??= Options.Routing;
        double[] weights = clusters is null ? [1.0]
            : ExpertRouter.Weights(new TaskMetadata("request", prompts.Classes, [.. vectors.Select(v => v.Routing!)]), clusters, routing);
        var logits = models.Select((_, c) => ZeroShotClassifier.Similarities(imageFeatures[c], [.. vectors.Select(v => v.Models[c])])).ToList();
        var combined = Ensemble.Combine(logits, weights);
        double scale = weights.Select((w, c) => w * logitScales[c]).Sum();
        int count = prompts.Classes.Count;
        var answers = Enumerable.Range(0, imageFeatures[0].Length).Select(i =>
        {
            var scores = combined.AsSpan(i * count, count).ToArray();
            var probabilities = Softmax(scores, scale);
            var ranked = Enumerable.Range(0, count).OrderByDescending(c => probabilities[c]).ThenBy(c => c).Take(k)
                .Select(c => new ClassProbability(prompts.Classes[c], probabilities[c])).ToList();
            return new ImageClassification(scores, probabilities, ranked);
        }).ToList();
        return new Classification(prompts.Classes, answers, weights, clusters is null ? "none" : routing.Name);
    }

    /// <summary>
    /// Images as vectors for retrieval through the routed ensemble: the concatenation of every model's unit features.
    /// With <see cref="EmbedTexts"/>' vectors the dot product is the ensemble's score of the text routed on its own
    /// (the MoDE paper's text-to-image retrieval: sum over experts of w_c(text) x cosine_c, as <c>mode eval</c>'s
    /// <see cref="Ensemble.CombinePerColumn(IReadOnlyList{float[]}, IReadOnlyList{double[]})"/>).
    /// </summary>
    public float[][] EmbedImages(IImageRows images) => Concatenate(ImageFeatures(images), null);

    /// <summary>Texts as vectors for retrieval: each text routed on its own (<see cref="ExpertRouter.PerQuery"/>), and every
    /// model's unit text features scaled by that text's weight, concatenated (see <see cref="EmbedImages"/>).</summary>
    public float[][] EmbedTexts(IReadOnlyList<string> texts, RoutingOptions? routing = null)
    {
        if (texts.Count == 0 || texts.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("texts must be one or more non-empty strings", nameof(texts));
        float[][][] features;
        float[][]? routed = null;
        lock (gate)
        {
            features = models.Select(m => m.EncodeTexts(tokenizer, texts)).ToArray();
            if (clusters is not null) routed = TaskMetadata.OfTexts("texts", texts, encoder!).ClassEmbeddings;
        }
        double[][]? weights = routed is null ? null : ExpertRouter.PerQuery(routed, clusters!, routing ?? Options.Routing);
        return Concatenate(features, weights);
    }

    /// <summary>Row i: each model c's features of item i, times weights[i][c] when given.</summary>
    static float[][] Concatenate(float[][][] features, double[][]? weights) =>
        Enumerable.Range(0, features[0].Length).Select(i => features.SelectMany((model, c) =>
            weights is null ? model[i] : model[i].Select(x => (float)(weights[i][c] * x))).ToArray()).ToArray();

    /// <summary>Each class's embeddings, from the cache or computed (under the lock) and kept.</summary>
    ClassVectors[] Vectors(ClassPrompts prompts)
    {
        string key = string.Join('\n', prompts.Templates);
        if (classes.Count + prompts.Classes.Count > Options.CachedClasses) classes.Clear();
        return prompts.Classes.Select((name, c) => classes.GetOrAdd((key, name), _ => new Lazy<ClassVectors>(() =>
        {
            lock (gate)
                return new ClassVectors(encoder is null ? null : TaskMetadata.EmbedClass(prompts, c, encoder),
                    [.. models.Select(m => ZeroShotClassifier.ClassWeight(m, tokenizer, prompts, c))]);
        })).Value).ToArray();
    }

    static double[] Softmax(float[] scores, double scale)
    {
        double max = scores.Max();
        var exp = scores.Select(s => Math.Exp(scale * (s - max))).ToArray();
        double sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    public void Dispose()
    {
        encoder?.Dispose();
        foreach (var model in models) model.Dispose();
    }
}
