using System.Text.Json.Nodes;
using MoDE.Data.Ingest;
using MoDE.Eval;
using MoDE.Route;
using MoDE.Split;

namespace MoDE.Tests.Cli;

/// <summary><c>mode classify</c> on the command line: the table and <c>--json</c> give the library's answer, and the refusals are one line.</summary>
[Collection(TinyRunCollection.Name)]
public sealed class ClassifyVerbTests(TinyRun tiny) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-classify-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>The first three images of the tiny run's first task as PNG files, and the task.</summary>
    (ClassificationTask Task, string[] Paths) Images()
    {
        var task = (ClassificationTask)TaskFolder.Load(EvalStage.TaskFolders(tiny.Run, new EvalOptions())[0], EvalStage.ImageSize(tiny.Run));
        var png = HeldOutSplit.Encode([.. Enumerable.Range(0, 3).Select(i => task.Images.Image(i).ToArray())], task.Images.Width, task.Images.Height);
        var paths = png.Select((bytes, i) => Path.Combine(folder, $"{i}.png")).ToArray();
        for (int i = 0; i < paths.Length; i++) File.WriteAllBytes(paths[i], png[i]);
        return (task, paths);
    }

    [Fact]
    public void The_table_and_the_json_give_the_librarys_answer()
    {
        var (task, paths) = Images();
        var classes = task.Prompts.Classes.Take(6).ToList();
        using var images = ImageFiles.Load(paths, tiny.Ensemble.ImageSize);
        var expected = tiny.Ensemble.Classify(images, classes, routing: RoutingOptions.Parse("paper"), top: 2);

        var table = InProcessMode.Run(["classify", "--run", tiny.Run.Root, "--classes", string.Join(",", classes), "--routing", "paper", "--top", "2", .. paths]);
        Assert.True(table.Code == 0, table.Error);
        var lines = table.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + paths.Length + 1, lines.Length);
        for (int i = 0; i < paths.Length; i++)
        {
            Assert.StartsWith(paths[i], lines[1 + i]);
            Assert.Contains(FormattableString.Invariant($"  {expected.Images[i].Top[0].Class} {expected.Images[i].Top[0].Probability:F3}  {expected.Images[i].Top[1].Class} "), lines[1 + i]);
        }
        Assert.StartsWith("weights (paper): expert_0 ", lines[^1]);
        Assert.Equal(RunModels.Experts(tiny.Run), lines[^1].Split("expert_").Length - 1);

        string file = Path.Combine(folder, "classes.txt");
        File.WriteAllLines(file, [.. classes.Take(3), "", .. classes.Skip(3)]);
        var json = InProcessMode.Run(["classify", "--run", tiny.Run.Root, "--classes-file", file, "--routing", "paper", "--top", "2", "--json", .. paths]);
        Assert.True(json.Code == 0, json.Error);
        var answer = JsonNode.Parse(json.Output)!;
        Assert.Equal("paper", answer["routing"]!.GetValue<string>());
        Assert.Equal(expected.Weights, answer["weights"]!.AsObject().Select(w => w.Value!.GetValue<double>()));
        var listed = answer["images"]!.AsArray();
        for (int i = 0; i < paths.Length; i++)
        {
            Assert.Equal(paths[i], listed[i]!["image"]!.GetValue<string>());
            Assert.Equal(expected.Images[i].Top.Select(t => t.Class), listed[i]!["top"]!.AsArray().Select(t => t!["class"]!.GetValue<string>()));
            Assert.Equal(expected.Images[i].Probabilities, classes.Select(c => listed[i]!["probabilities"]![c]!.GetValue<double>()));
        }
    }

    [Theory]
    [InlineData("no-classes", 2, "--classes")]
    [InlineData("both-class-flags", 2, "--classes")]
    [InlineData("empty-class-name", 2, "--classes")]
    [InlineData("class-named-twice", 2, "--classes")]
    [InlineData("top-zero", 2, "--top")]
    [InlineData("unknown-template-set", 2, "--templates")]
    [InlineData("unknown-routing", 2, "--routing")]
    [InlineData("missing-image", 1, "missing.png: missing_image")]
    [InlineData("not-an-image", 1, "notes.png: corrupt_image")]
    [InlineData("missing-classes-file", 1, "nothing.txt")]
    [InlineData("not-a-run", 1, "not-a-run")]
    public void A_wrong_input_is_one_line_with_its_exit_code(string kind, int code, string named)
    {
        var (_, paths) = Images();
        File.WriteAllText(Path.Combine(folder, "notes.png"), "not an image");
        string[] args = kind switch
        {
            "no-classes" => ["classify", "--run", tiny.Run.Root, paths[0]],
            "both-class-flags" => ["classify", "--run", tiny.Run.Root, "--classes", "a,b", "--classes-file", paths[0], paths[0]],
            "empty-class-name" => ["classify", "--run", tiny.Run.Root, "--classes", "a,,b", paths[0]],
            "class-named-twice" => ["classify", "--run", tiny.Run.Root, "--classes", "cat,CAT", paths[0]],
            "top-zero" => ["classify", "--run", tiny.Run.Root, "--classes", "a,b", "--top", "0", paths[0]],
            "unknown-template-set" => ["classify", "--run", tiny.Run.Root, "--classes", "a,b", "--templates", "imagenet81", paths[0]],
            "unknown-routing" => ["classify", "--run", tiny.Run.Root, "--classes", "a,b", "--routing", "oracle", paths[0]],
            "missing-image" => ["classify", "--run", tiny.Run.Root, "--classes", "a,b", Path.Combine(folder, "missing.png")],
            "not-an-image" => ["classify", "--run", tiny.Run.Root, "--classes", "a,b", Path.Combine(folder, "notes.png")],
            "missing-classes-file" => ["classify", "--run", tiny.Run.Root, "--classes-file", Path.Combine(folder, "nothing.txt"), paths[0]],
            "not-a-run" => ["classify", "--run", Path.Combine(folder, "not-a-run"), "--classes", "a,b", paths[0]],
            _ => throw new ArgumentException(kind, nameof(kind)),
        };
        var outcome = InProcessMode.Run(args);
        Assert.True(code == outcome.Code, $"{kind}: exit {outcome.Code}: {outcome.Error}");
        Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("mode classify: ", outcome.Error);
        Assert.Contains(named, outcome.Error);
        Assert.DoesNotContain("   at ", outcome.Error);
        Assert.Equal("", outcome.Output);
    }
}
