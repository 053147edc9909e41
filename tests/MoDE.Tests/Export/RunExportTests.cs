using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MoDE.Cluster;
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
using Xunit.Abstractions;

namespace MoDE.Tests.Export;

/// <summary>
/// <c>mode export</c> of the tiny trained run (<see cref="TinyRun"/>): every model as an open_clip folder whose weights
/// load back into the same model, the router and its centers, the run's BPE as open_clip's merges file, mode_clip.py, a
/// README; a rerun replaces the files. In PyTorch (mode_clip.py, from the export folder alone) the routed zero-shot
/// predictions of a task equal MoDE's own for every image, and the README's Python blocks run as written.
/// </summary>
[Collection(TinyRunCollection.Name)]
public sealed partial class RunExportTests(TinyRun tiny, ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-export-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    string Export(string name = "export")
    {
        var log = new StringWriter();
        string to = RunExport.Run(tiny.Run, new ExportOptions { To = Path.Combine(folder, name) }, log);
        output.WriteLine(log.ToString());
        return to;
    }

    [Fact]
    public void Every_model_is_an_open_clip_folder_that_loads_back_and_a_rerun_replaces_the_files()
    {
        string to = Export();
        int experts = RunModels.Experts(tiny.Run);
        var listing = Directory.GetFiles(to, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(to, f)).Order(StringComparer.Ordinal).ToList();
        output.WriteLine(string.Join("\n", listing.Select(f => $"{new FileInfo(Path.Combine(to, f)).Length,10} {f}")));
        string[] expected =
        [
            .. RunModels.Of(experts).SelectMany(m => new[] { Path.Combine(m, OpenClipCheckpoint.FileName), Path.Combine(m, OpenClipConfig.FileName) }),
            ExportReadme.FileName, OpenClipMerges.FileName, RouterFile.CoarseCentersFileName, RouterFile.FineCentersFileName, RouterFile.FileName, RunExport.PythonModuleFileName,
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), listing);

        foreach (string model in RunModels.Of(experts))
        {
            using var state = TrainState.Load(tiny.Run.Model(model));
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(to, model, OpenClipConfig.FileName)))!;
            Assert.Equal(ClipConfig.FromJson(config["model_cfg"]!.ToJsonString()), state.Config);
            Assert.Equal(state.Config.Vision.ImageSize, config["preprocess_cfg"]!["size"]!.GetValue<int>());
            using var loaded = new Clip(state.Config, seed: 99);
            OpenClipCheckpoint.Load(loaded, Path.Combine(to, model, OpenClipCheckpoint.FileName));
            foreach (var (name, parameter) in OpenClipNames.Map(state.Model))
                Assert.True(parameter.eq(OpenClipNames.Map(loaded).Single(p => p.Name == name).Parameter).all().item<bool>(), $"{model}: {name} differs");
        }

        var router = JsonNode.Parse(File.ReadAllText(Path.Combine(to, RouterFile.FileName)))!;
        var clusters = ClusterHierarchy.Load(tiny.Run);
        Assert.Equal(tiny.Run.Root, router["run"]!.GetValue<string>());
        Assert.Equal(clusters.FineToCoarse, router["fine_to_coarse"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal(clusters.FineCenters, Npy.ReadMatrix(Path.Combine(to, RouterFile.FineCentersFileName)).Data);
        Assert.Equal(clusters.CoarseCenters, Npy.ReadMatrix(Path.Combine(to, RouterFile.CoarseCentersFileName)).Data);
        Assert.Equal(Enumerable.Range(0, experts).Select(RunModels.Expert), router["models"]!["experts"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(ExpertRouter.ReleasedTemperature, router["routing"]!["constants"]!["temperature"]!.GetValue<double>());
        Assert.Equal(CaptionEncoder.DefaultName, router["caption_encoder"]!["name"]!.GetValue<string>());
        Assert.Equal(384, router["caption_encoder"]!["dimension"]!.GetValue<int>());
        Assert.Equal(RunExport.PythonModule(), File.ReadAllText(Path.Combine(to, RunExport.PythonModuleFileName)));
        Assert.Contains("open_clip cannot build this run's image tower", File.ReadAllText(Path.Combine(to, ExportReadme.FileName)));

        // A rerun into its own export replaces every file with the same bytes (and leaves no temporary file).
        var before = listing.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(to, f)));
        Export();
        Assert.Equal(listing, Directory.GetFiles(to, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(to, f)).Order(StringComparer.Ordinal));
        foreach (var (file, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(to, file))), $"{file} changed on a rerun");
    }

    [Fact]
    public void The_merges_file_gives_the_runs_ids()
    {
        string to = Export();
        var tokenizer = CaptionTokenizer.Load(tiny.Run.Tokenizer);
        Assert.Null(OpenClipMerges.Mismatch(tokenizer));
        // Read back as open_clip's format is read (the version line skipped, every merge), the vocabulary and the ids agree.
        var read = CaptionTokenizer.FromOpenClipMerges(Path.Combine(to, OpenClipMerges.FileName), tokenizer.ContextLength, tokenizer.Merges.Count);
        Assert.Equal(tokenizer.VocabSize, read.VocabSize);
        Assert.All(Enumerable.Range(0, tokenizer.VocabSize - 2), id => Assert.Equal(tokenizer.Token(id), read.Token(id)));
        var prompts = TinyTask().Prompts;
        var texts = Enumerable.Range(0, prompts.Classes.Count).SelectMany(prompts.Prompts).Append("A photo of 3 red letters, isn't it?").ToList();
        Assert.Equal(tokenizer.Encode(texts), read.Encode(texts));
        // SimpleTokenizer reads lines split at '\n': no empty last line, which it would make a token.
        using var gzip = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(to, OpenClipMerges.FileName)), System.IO.Compression.CompressionMode.Decompress);
        var lines = new StreamReader(gzip).ReadToEnd().Split('\n');
        Assert.Equal(tokenizer.Merges.Count + 1, lines.Length);
        Assert.DoesNotContain("", lines);
    }

    /// <summary>A tokenizer whose vocabulary lacks open_clip's layout (two byte symbols' ids swapped) is refused a merges file.</summary>
    [Fact]
    public void A_vocabulary_without_open_clips_layout_gets_no_merges_file()
    {
        var tokenizer = CaptionTokenizer.Load(tiny.Run.Tokenizer);
        string manifest = Path.Combine(folder, "tok", "tokenizer.json");
        tokenizer.Save(manifest);
        string vocabulary = Path.Combine(folder, "tok", CaptionTokenizer.VocabularyFileName);
        var ids = JsonNode.Parse(File.ReadAllText(vocabulary))!.AsObject();
        string first = tokenizer.Token(0), second = tokenizer.Token(1);
        (ids[first], ids[second]) = (1, 0);
        File.WriteAllText(vocabulary, ids.ToJsonString());
        var twice = CaptionTokenizer.Load(manifest);
        Assert.Equal(first, twice.Token(1));
        string? reason = OpenClipMerges.Mismatch(twice);
        Assert.NotNull(reason);
        output.WriteLine(reason);
        Assert.Throws<InvalidOperationException>(() => OpenClipMerges.Write(twice, Path.Combine(folder, "x.gz")));
        Assert.False(File.Exists(Path.Combine(folder, "x.gz")));
    }

    [Fact]
    public void A_vit_config_has_open_clips_keys_and_the_readme_its_lines()
    {
        var config = ClipConfig.Resolve("ViT-B-32", 49408, 224);
        var json = JsonNode.Parse(OpenClipConfig.ToJson(config))!;
        // open_clip's CLIPVisionCfg and CLIPTextCfg field names (src/open_clip/model.py); no "kind", which open_clip lacks.
        Assert.Equal(["head_width", "image_size", "layers", "mlp_ratio", "patch_size", "width"], json["model_cfg"]!["vision_cfg"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["context_length", "heads", "layers", "mlp_ratio", "vocab_size", "width"], json["model_cfg"]!["text_cfg"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(config, ClipConfig.FromJson(json["model_cfg"]!.ToJsonString()));
        Assert.Equal(["fill_color", "interpolation", "mean", "mode", "resize_mode", "size", "std"], json["preprocess_cfg"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(ClipImageTransform.Mean, json["preprocess_cfg"]!["mean"]!.AsArray().Select(n => n!.GetValue<double>()));
        string readme = ExportReadme.Text("/runs/x", config, 4, CaptionEncoder.DefaultName, CaptionTokenizer.Load(tiny.Run.Tokenizer));
        Assert.Contains(ExportReadme.OpenClipFence + "\nimport open_clip", readme);
        Assert.Contains("create_model_and_transforms(\"local-dir:expert_0\")", readme);
        Assert.Contains("SimpleTokenizer(bpe_path=\"bpe_vocab.txt.gz\", context_length=77)", readme);
    }

    ClassificationTask TinyTask()
    {
        string task = Directory.GetDirectories(tiny.Run.TasksFolder).Order(StringComparer.Ordinal).First();
        return (ClassificationTask)TaskFolder.Load(task, EvalStage.ImageSize(tiny.Run));
    }

    /// <summary>mode_clip.py, from the export folder, on a task's images and MoDE's class-name embeddings: the weights of
    /// every routing within 1e-5 of <see cref="ExpertRouter"/>'s, and the routed ensemble's prediction for every image that of
    /// MoDE's (<see cref="ZeroShotClassifier"/>, <see cref="Ensemble"/>).</summary>
    [FactWithPyTorch]
    public void Python_routes_and_predicts_as_MoDE()
    {
        string to = Export();
        var run = tiny.Run;
        var task = TinyTask();
        var tokenizer = CaptionTokenizer.Load(run.Tokenizer);
        var clusters = ClusterHierarchy.Load(run);
        int experts = RunModels.Experts(run);
        TaskMetadata metadata;
        using (var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(run))) metadata = TaskMetadata.Embed(task.Name, task.Prompts, encoder);
        var logits = Enumerable.Range(0, experts).Select(c =>
        {
            using var state = TrainState.Load(run.Model(RunModels.Expert(c)));
            return ZeroShotClassifier.Logits(state.Model, tokenizer, task.Prompts, task.Images);
        }).ToList();
        int classes = task.Prompts.Classes.Count, images = task.Images.Count;

        string data = Path.Combine(folder, "data");
        Directory.CreateDirectory(data);
        Npy.Write(Path.Combine(data, "classes.npy"), [.. metadata.ClassEmbeddings.SelectMany(e => e)], classes, clusters.Dimension);
        var prompts = Enumerable.Range(0, classes).SelectMany(c => task.Prompts.Prompts(c).Select(p => (Class: c, Tokens: tokenizer.Encode(p)))).ToList();
        WriteNpy(Path.Combine(data, "prompt_tokens.npy"), "<i8", $"({prompts.Count}, {tokenizer.ContextLength})", prompts.SelectMany(p => p.Tokens).SelectMany(BitConverter.GetBytes).ToArray());
        Npy.Write(Path.Combine(data, "prompt_class.npy"), prompts.Select(p => p.Class).ToArray());
        var pixels = new byte[(long)images * task.Images.ImageBytes];
        task.Images.CopyImages(Enumerable.Range(0, images).ToArray(), pixels);
        WriteNpy(Path.Combine(data, "pixels.npy"), "|u1", $"({images}, {task.Images.Height}, {task.Images.Width}, 3)", pixels);
        string script = Path.Combine(data, "route.py");
        File.WriteAllText(script, RouteScript);
        var (code, text) = ChildProcess.Run(FactWithPyTorchAttribute.Python, [script, to, data]);
        Assert.True(code == 0, $"{script} exited {code}: {text}");
        var python = JsonNode.Parse(File.ReadAllText(Path.Combine(data, "out.json")))!;

        double weightDiff = 0, logitDiff = 0;
        for (int r = 0; r < RoutingOptions.All.Count; r++)
        {
            var routing = RoutingOptions.All[r];
            var ours = ExpertRouter.Weights(metadata, clusters, routing);
            var theirs = python["weights"]![r]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
            weightDiff = Math.Max(weightDiff, ours.Zip(theirs).Max(p => Math.Abs(p.First - p.Second)));
            var combined = Ensemble.Combine(logits, ours);
            var theirLogits = python["logits"]![r]!.AsArray().Select(n => (float)n!.GetValue<double>()).ToArray();
            logitDiff = Math.Max(logitDiff, combined.Zip(theirLogits).Max(p => Math.Abs(p.First - p.Second)));
            var predicted = Enumerable.Range(0, images).Select(i => ArgMax(combined.AsSpan(i * classes, classes))).ToArray();
            Assert.Equal(predicted, python["predictions"]![r]!.AsArray().Select(n => n!.GetValue<int>()));
        }
        // The calibrated formula's lambda: derived in Python from the exported centers as MoDE derives it, and written in the router file.
        var router = JsonNode.Parse(File.ReadAllText(Path.Combine(to, RouterFile.FileName)))!;
        foreach (var kind in new[] { RoutingCenters.Fine, RoutingCenters.Coarse })
        {
            double ours = RoutingTemperature.Of(clusters, kind).Lambda;
            Assert.Equal(ours, router["routing"]!["calibrated_lambda"]![RouterFile.Name(kind)]!["lambda"]!.GetValue<double>());
            Assert.Equal(ours, python["lambdas"]![RouterFile.Name(kind)]!.GetValue<double>(), 1e-5 * ours);
        }
        output.WriteLine($"{images} images, {classes} classes, {experts} experts, {RoutingOptions.All.Count} routings: max |weight diff| {weightDiff:E2}, max |logit diff| {logitDiff:E2}");
        Assert.True(weightDiff < 1e-5, $"max |MoDE - Python| routing weight {weightDiff:E2}");
        Assert.True(logitDiff < 1e-4, $"max |MoDE - Python| ensembled logit {logitDiff:E2}");
    }

    /// <summary>The README's plain Python blocks, run as written in the export folder (the open_clip block is not run).</summary>
    [FactWithPyTorch]
    public void The_readmes_python_runs_as_written()
    {
        string to = Export();
        string readme = File.ReadAllText(Path.Combine(to, ExportReadme.FileName));
        var blocks = PythonBlock().Matches(readme).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, blocks.Count);
        string script = Path.Combine(folder, "readme.py");
        File.WriteAllText(script, $"import os, sys\nos.chdir({Quote(to)})\nsys.path.insert(0, '.')\n" + string.Join("\n", blocks));
        var (code, text) = ChildProcess.Run(FactWithPyTorchAttribute.Python, [script]);
        output.WriteLine(text);
        Assert.True(code == 0, $"the README's Python exited {code}: {text}");
        Assert.Contains("expert weights [", text);
        Assert.Contains("predictions [", text);
    }

    [GeneratedRegex("^```python\\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex PythonBlock();

    static string Quote(string path) => "'" + path.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    static int ArgMax(ReadOnlySpan<float> row) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);

    static void WriteNpy(string path, string descr, string shape, byte[] data) => AtomicFile.Write(path, stream =>
    {
        Npy.WriteHeader(stream, descr, shape);
        stream.Write(data);
    });

    /// <summary>Runs from the export folder's files only: routes with every formula and center set, ensembles, predicts.</summary>
    const string RouteScript = """
        import json, os, sys
        import numpy as np
        export, data = sys.argv[1], sys.argv[2]
        sys.path.insert(0, export)
        import mode_clip

        router = mode_clip.load_router(export)
        classes = np.load(os.path.join(data, "classes.npy"))
        tokens = np.load(os.path.join(data, "prompt_tokens.npy"))
        prompt_class = np.load(os.path.join(data, "prompt_class.npy"))
        images = mode_clip.normalize_images(np.load(os.path.join(data, "pixels.npy")))
        prompt_tokens = [tokens[prompt_class == c] for c in range(len(classes))]
        experts = [mode_clip.load(folder) for folder in router.expert_folders()]
        logits = [mode_clip.zero_shot_logits(e, images, mode_clip.class_weights(e, prompt_tokens)).numpy() for e in experts]
        out = {"weights": [], "logits": [], "predictions": []}
        out["lambdas"] = {kind: float(lam) for kind, lam in router.lambdas.items()}
        for formula, centers in (("released_code", "fine"), ("paper", "fine"), ("calibrated", "fine"),
                                 ("released_code", "coarse"), ("paper", "coarse"), ("calibrated", "coarse")):
            weights = router.route(classes, formula, centers)
            combined = mode_clip.ensemble(logits, weights)
            out["weights"].append([float(w) for w in weights])
            out["logits"].append([float(v) for v in combined.reshape(-1)])
            out["predictions"].append([int(p) for p in combined.argmax(1)])
        with open(os.path.join(data, "out.json"), "w") as f:
            json.dump(out, f)
        """;
}
