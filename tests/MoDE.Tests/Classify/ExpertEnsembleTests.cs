using System.Numerics.Tensors;
using MoDE.Classify;
using MoDE.Cluster;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Export;
using MoDE.Route;
using MoDE.Split;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Tests.Classify;

[Collection(TinyRunCollection.Name)]
public class ExpertEnsembleTests(TinyRun tiny)
{
    /// <summary>The tiny run's first built-in task, as <c>mode eval</c> loads it.</summary>
    ClassificationTask FirstTask(out int index)
    {
        var folders = EvalStage.TaskFolders(tiny.Run, new EvalOptions());
        index = 0;
        return (ClassificationTask)TaskFolder.Load(folders[0], EvalStage.ImageSize(tiny.Run));
    }

    static int[] Predictions(Classification answer) =>
        [.. answer.Images.Select(i => Array.IndexOf(i.Probabilities, i.Probabilities.Max()))];

    [Fact]
    public void Classify_gives_the_eval_stages_routed_scores_weights_and_accuracy()
    {
        var task = FirstTask(out int t);
        var results = Results.Load(tiny.Run);
        Assert.Equal(task.Name, results.Tasks[t]);
        // eval's own path, written out: each expert's task features, the routed weights, Ensemble.Combine
        var clusters = ClusterHierarchy.Load(tiny.Run);
        var tokenizer = CaptionTokenizer.Load(tiny.Run.Tokenizer);
        int n = RunModels.Experts(tiny.Run);
        var logits = Enumerable.Range(0, n).Select(c =>
        {
            using var state = TrainState.Load(tiny.Run.Model(RunModels.Expert(c)));
            var features = TaskFeatures.Of(state.Model, tokenizer, task);
            return ZeroShotClassifier.Similarities(features.Images, features.Texts);
        }).ToList();
        TaskMetadata metadata;
        using (var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(tiny.Run))) metadata = TaskMetadata.Embed(task.Name, task.Prompts, encoder);
        foreach (var routing in RoutingOptions.All)
        {
            var answer = tiny.Ensemble.Classify(task.Images, task.Prompts.Classes, task.Prompts.Templates, routing);
            var weights = ExpertRouter.Weights(metadata, clusters, routing);
            Assert.Equal(weights, answer.Weights);
            Assert.Equal(results.RoutedWeights[$"{task.Name} ({routing.Name})"], answer.Weights);
            var expected = Ensemble.Combine(logits, weights);
            var scores = answer.Images.SelectMany(i => i.Scores).ToArray();
            Assert.Equal(expected.Length, scores.Length);
            for (int k = 0; k < scores.Length; k++) Assert.Equal(expected[k], scores[k], 1e-6f);
            double accuracy = Predictions(answer).Zip(task.Labels).Average(p => p.First == p.Second ? 1.0 : 0.0);
            Assert.Equal(results.Methods.Single(m => m.Name == $"MoDE ({routing.Name})").Accuracy[t], accuracy, 1e-12);
            Assert.All(answer.Images, i => Assert.Equal(1.0, i.Probabilities.Sum(), 1e-9));
            Assert.All(answer.Images, i => Assert.Equal(i.Top[0].Class, task.Prompts.Classes[Array.IndexOf(i.Probabilities, i.Probabilities.Max())]));
        }
    }

    [Fact]
    public void The_single_model_answers_as_the_eval_stages_single_row()
    {
        var task = FirstTask(out int t);
        using var single = ExpertEnsemble.Open(tiny.Run.Root, new EnsembleOptions { Models = EnsembleModels.Single });
        var answer = single.Classify(task.Images, task.Prompts.Classes, task.Prompts.Templates);
        Assert.Equal([RunModels.Single], single.ModelNames);
        Assert.Equal([1.0], answer.Weights);
        Assert.Equal("none", answer.Routing);
        double accuracy = Predictions(answer).Zip(task.Labels).Average(p => p.First == p.Second ? 1.0 : 0.0);
        Assert.Equal(Results.Load(tiny.Run).Methods.Single(m => m.Name == "single").Accuracy[t], accuracy, 1e-12);
    }

    [Fact]
    public void Class_embeddings_are_cached_by_name_and_template_set()
    {
        var task = FirstTask(out _);
        using var ensemble = ExpertEnsemble.Open(tiny.Run.Root);
        ensemble.Classify(task.Images, ["red circle", "blue square"]);
        Assert.Equal(2, ensemble.CachedClasses);
        ensemble.Classify(task.Images, ["blue square", "green star"]);
        Assert.Equal(3, ensemble.CachedClasses); // "blue square" reused
        ensemble.Classify(task.Images, ["red circle"], ["a drawing of a {}."]);
        Assert.Equal(4, ensemble.CachedClasses); // another template set is another embedding
    }

    [Fact]
    public void Concurrent_callers_get_their_own_answers()
    {
        var task = FirstTask(out _);
        string[][] lists = [["circle", "square"], ["star", "heart", "arrow"], ["letter A", "digit 2"], ["plaid", "zigzag", "brick", "wave"]];
        var alone = lists.Select(l => tiny.Ensemble.Classify(task.Images, l)).ToList();
        var together = new Classification[lists.Length * 4];
        Parallel.For(0, together.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => together[i] = tiny.Ensemble.Classify(task.Images, lists[i % lists.Length]));
        for (int i = 0; i < together.Length; i++)
        {
            var expected = alone[i % lists.Length];
            Assert.Equal(expected.Classes, together[i].Classes);
            Assert.Equal(expected.Weights, together[i].Weights);
            Assert.Equal(expected.Images.SelectMany(x => x.Scores), together[i].Images.SelectMany(x => x.Scores));
        }
    }

    [Fact]
    public void Embedded_images_and_texts_score_as_the_ensemble_routed_per_query()
    {
        var task = FirstTask(out _);
        string[] texts = ["a photo of a circle", "a striped pattern", "the letter A"];
        var images = tiny.Ensemble.EmbedImages(task.Images);
        var queries = tiny.Ensemble.EmbedTexts(texts);
        // eval's text-to-image retrieval: each query routed on its own, Ensemble.CombinePerColumn over the experts' cosines
        var clusters = ClusterHierarchy.Load(tiny.Run);
        var tokenizer = CaptionTokenizer.Load(tiny.Run.Tokenizer);
        int n = RunModels.Experts(tiny.Run);
        var logits = Enumerable.Range(0, n).Select(c =>
        {
            using var state = TrainState.Load(tiny.Run.Model(RunModels.Expert(c)));
            return ZeroShotClassifier.Similarities(state.Model.EncodeImages(task.Images), state.Model.EncodeTexts(tokenizer, texts));
        }).ToList();
        double[][] perQuery;
        using (var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(tiny.Run)))
            perQuery = ExpertRouter.PerQuery(TaskMetadata.OfTexts("q", texts, encoder).ClassEmbeddings, clusters, new EnsembleOptions().Routing);
        var expected = Ensemble.CombinePerColumn(logits, perQuery);
        for (int i = 0; i < images.Length; i++)
            for (int q = 0; q < texts.Length; q++)
                Assert.Equal(expected[i * texts.Length + q], TensorPrimitives.Dot(images[i], queries[q]), 1e-5f);
        Assert.NotEqual(perQuery[0], perQuery[1]); // the queries are routed apart, so a shared weighting would fail above
    }

    [Fact]
    public void An_export_folder_answers_as_its_run()
    {
        var task = FirstTask(out _);
        string to = Path.Combine(Directory.CreateTempSubdirectory("mode-classify-export").FullName, "export");
        RunExport.Run(tiny.Run, new ExportOptions { To = to }, new StringWriter());
        using var exported = ExpertEnsemble.Open(to);
        Assert.Equal(tiny.Ensemble.ModelNames, exported.ModelNames);
        var fromRun = tiny.Ensemble.Classify(task.Images, task.Prompts.Classes);
        var fromExport = exported.Classify(task.Images, task.Prompts.Classes);
        Assert.Equal(fromRun.Weights, fromExport.Weights);
        Assert.Equal(fromRun.Images.SelectMany(i => i.Scores), fromExport.Images.SelectMany(i => i.Scores), (a, b) => Math.Abs(a - b) < 1e-5f);
        Directory.Delete(Path.GetDirectoryName(to)!, recursive: true);
    }

    [Fact]
    public void Decoded_uploads_equal_the_eval_stages_task_images()
    {
        string folder = Directory.CreateTempSubdirectory("mode-classify-decode").FullName;
        string path = Path.Combine(folder, "wide.png");
        Eval.TaskFolderTests.WriteImage(path, 96, 40, SkiaSharp.SKColors.Orange, SkiaSharp.SKColors.Teal);
        using var upload = tiny.Ensemble.Decode([("upload", File.ReadAllBytes(path))]);
        using var file = ImageFiles.Load([path], tiny.Ensemble.ImageSize);
        Assert.Equal(file.Image(0).ToArray(), upload.Image(0).ToArray());
        var bomb = Assert.Throws<InvalidDataException>(() => tiny.Ensemble.Decode([("bomb", Data.TestImages.BombHeader(100_000))]));
        Assert.Equal("bomb: too_many_pixels", bomb.Message);
        Directory.Delete(folder, recursive: true);
    }
}
