using MoDE.Cluster;
using MoDE.Embed;
using MoDE.Eval;
using MoDE.Route;
using MoDE.Tests;
using SkiaSharp;

namespace MoDE.Tests.Eval;

[Collection(TinyRunCollection.Name)]
public class TaskFolderTests(TinyRun tiny)
{
    /// <summary>A width x height image, left half <paramref name="left"/>, right half <paramref name="right"/>.</summary>
    internal static void WriteImage(string path, int width, int height, SKColor left, SKColor right)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(left);
            using var paint = new SKPaint { Color = right };
            canvas.DrawRect(width / 2f, 0, width / 2f, height, paint);
        }
        using var data = bitmap.Encode(path.EndsWith(".jpg") ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png, 95);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    static string Folder(string name) => Directory.CreateTempSubdirectory($"mode-task-{name}").FullName;

    [Fact]
    public void ImagesAreCenterCroppedToTheModelSize()
    {
        string path = Path.Combine(Folder("crop"), "wide.png");
        // 128 x 64: the center square is x 32..96, half red, half blue.
        WriteImage(path, 128, 64, SKColors.Red, SKColors.Blue);
        byte[] rgb = ImageFiles.Decode(path, 32);
        Assert.Equal(32 * 32 * 3, rgb.Length);
        byte[] Pixel(int y, int x) => rgb.AsSpan((y * 32 + x) * 3, 3).ToArray();
        Assert.Equal([255, 0, 0], Pixel(16, 4));
        Assert.Equal([0, 0, 255], Pixel(16, 28));
        string clear = Path.Combine(Path.GetDirectoryName(path)!, "clear.png");
        WriteImage(clear, 8, 8, SKColors.Transparent, SKColors.Transparent);
        Assert.All(ImageFiles.Decode(clear, 4), b => Assert.Equal(255, b)); // transparent over white
        string missing = Path.Combine(Path.GetDirectoryName(path)!, "missing.png");
        Assert.Equal($"{missing}: missing_image", Assert.Throws<InvalidDataException>(() => ImageFiles.Decode(missing, 4)).Message);
    }

    [Fact]
    public void LoadsEveryLayoutAndScoresThemAgainstTheRunsExperts()
    {
        // A zero-shot task folder: task.json with synonyms, a template set and a metric; labels.csv; images.
        string task = Folder("labels");
        File.WriteAllText(Path.Combine(task, "task.json"),
            """{ "name": "halves", "classes": ["red square", "blue circle"], "synonyms": { "red square": ["crimson block"] }, "templates": "photo", "metric": "mean per-class" }""");
        var lines = new List<string> { "image,class" };
        for (int i = 0; i < 6; i++)
        {
            string file = $"img/{i}.png";
            WriteImage(Path.Combine(task, file), 40 + i, 30, i % 2 == 0 ? SKColors.Red : SKColors.Blue, SKColors.White);
            lines.Add($"{file},{(i % 2 == 0 ? "red square" : "blue circle")}");
        }
        File.WriteAllLines(Path.Combine(task, "labels.csv"), lines);

        // An ImageFolder tree.
        string tree = Folder("tree");
        for (int i = 0; i < 3; i++)
        {
            WriteImage(Path.Combine(tree, "green_leaf", $"{i}.jpg"), 50, 50, SKColors.Green, SKColors.Green);
            WriteImage(Path.Combine(tree, "yellow_sun", $"{i}.png"), 50, 50, SKColors.Yellow, SKColors.Yellow);
        }

        // A retrieval set: 3 images, 4 captions (image a has two).
        string pairs = Folder("pairs");
        WriteImage(Path.Combine(pairs, "a.png"), 32, 32, SKColors.Red, SKColors.Red);
        WriteImage(Path.Combine(pairs, "b.png"), 32, 32, SKColors.Blue, SKColors.Blue);
        WriteImage(Path.Combine(pairs, "c.png"), 32, 32, SKColors.Green, SKColors.Green);
        File.WriteAllText(Path.Combine(pairs, "pairs.csv"), "image,caption\na.png,a red square\na.png,\"red, all red\"\nb.png,a blue circle\nc.png,a green leaf\n");

        var run = tiny.Run;
        int size = EvalStage.ImageSize(run);
        var tasks = new[] { task, tree, pairs }.Select(f => TaskFolder.Load(f, size)).ToList();

        var halves = Assert.IsType<ClassificationTask>(tasks[0]);
        Assert.Equal("halves", halves.Name);
        Assert.Equal([0, 1, 0, 1, 0, 1], halves.Labels);
        Assert.Equal(["a photo of a red square.", "a photo of a crimson block."], halves.Prompts.Prompts(0));
        Assert.Equal(ClassificationMetrics.MeanPerClass, halves.Headline);
        Assert.Equal(size, halves.Images.Height);
        var leaves = Assert.IsType<ClassificationTask>(tasks[1]);
        Assert.Equal(["green leaf", "yellow sun"], leaves.Prompts.Classes);
        Assert.Equal(80, leaves.Prompts.Templates.Count); // the ImageNet set by default
        Assert.Equal([0, 0, 0, 1, 1, 1], leaves.Labels);
        var retrieval = Assert.IsType<RetrievalTask>(tasks[2]);
        Assert.Equal(3, retrieval.Images.Count);
        Assert.Equal([0, 0, 1, 2], retrieval.ImageOfCaption);
        Assert.Equal("red, all red", retrieval.Captions[1]);

        var results = EvalStage.Evaluate(run, tasks, new EvalOptions(), new StringWriter());
        Assert.Equal([halves.Name, leaves.Name, retrieval.Name], results.Tasks);
        Assert.Equal([ClassificationMetrics.MeanPerClass, ClassificationMetrics.Top1, RetrievalMetrics.MeanRecallAt1], results.Headlines);
        Assert.Equal([6, 6, 3], results.TaskSizes); // images; for retrieval, the images with a caption
        Assert.All(RoutingOptions.All, r => Assert.Contains(results.Methods, m => m.Name == $"MoDE ({r.Name})"));
        foreach (var method in results.Methods)
        {
            Assert.All(method.Accuracy, a => Assert.InRange(a, 0, 1));
            Assert.Contains(ClassificationMetrics.Top5, method.Metrics![0].Keys);
            Assert.Equal(1.0, method.Metrics[1][ClassificationMetrics.Top5]); // two classes: always in the top 5
            Assert.Contains(RetrievalMetrics.TextToImage(10), method.Metrics[2].Keys);
            Assert.Equal(1.0, method.Metrics[2][RetrievalMetrics.ImageToText(5)]); // 4 captions
        }
        var experts = results.Methods.Where(m => m.Name.StartsWith("expert ")).ToList();
        var oracle = results.Methods.Single(m => m.Name == "oracle");
        for (int t = 0; t < 3; t++) Assert.Equal(experts.Max(e => e.Accuracy[t]), oracle.Accuracy[t]);
        Assert.Contains($"{retrieval.Name} (paper, per query, mean)", results.RoutedWeights.Keys);
        Assert.All(results.RoutedWeights.Values, w => Assert.Equal(1.0, w.Sum(), 6));
        Assert.Contains("All metrics of", results.ToMarkdown());
    }

    [Fact]
    public void ExplainsARoutingDecisionWithClusterWords()
    {
        var run = tiny.Run;
        var clusters = ClusterHierarchy.Load(run);
        var report = ClusterReport.Load(run.ClusterReport);
        using var encoder = CaptionEncoder.Open(EmbedStage.EncoderOf(run));
        var metadata = TaskFolder.Metadata(run.Task("shapes"), encoder);
        var explanation = RoutingExplanation.Explain(metadata, clusters, report, RoutingOptions.All, nearest: 3);
        Assert.Equal(metadata.Classes.Count, explanation.Classes.Count);
        Assert.All(explanation.Classes, c =>
        {
            Assert.Equal(3, c.Nearest.Count);
            Assert.True(c.Nearest[0].Distance <= c.Nearest[1].Distance);
            Assert.Equal(clusters.FineToCoarse[c.Nearest[0].Fine], c.Nearest[0].Expert);
            Assert.NotEmpty(c.Nearest[0].Words);
        });
        Assert.Equal(RoutingOptions.All.Select(r => r.Name), explanation.Decisions.Select(d => d.Routing));
        Assert.All(explanation.Decisions, d => Assert.Equal(1.0, d.Weights.Sum(), 9));
        // the built-in task's metadata routes exactly as the eval stage does
        var builtIn = MoDE.Data.TaskStore.Load(run.Task("shapes"));
        Assert.Equal(ExpertRouter.Weights(TaskMetadata.Embed(builtIn, encoder), clusters, RoutingFormula.Paper), explanation.Decisions[1].Weights);
        // the calibrated routings show the run's lambda of their centers; the published ones none
        Assert.All(explanation.Decisions, d => Assert.Equal(d.Routing.StartsWith("calibrated", StringComparison.Ordinal)
            ? RoutingTemperature.Of(clusters, d.Routing.EndsWith("coarse", StringComparison.Ordinal) ? RoutingCenters.Coarse : RoutingCenters.Fine).Lambda : null, d.Lambda));
        string text = explanation.ToText();
        Assert.Contains("expert weights:", text);
        Assert.Contains("fine ", text);
        Assert.Contains(FormattableString.Invariant($"lambda {RoutingTemperature.Of(clusters, RoutingCenters.Fine).Lambda:G4}"), text);
    }
}
