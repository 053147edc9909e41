using MoDE.Eval;
using MoDE.Tests.Data;
using SkiaSharp;

namespace MoDE.Tests.Eval;

/// <summary>
/// Broken and hostile task folders: each problem is one <see cref="InvalidDataException"/> line naming the file (and
/// row) and the reason, never another exception; images are refused for the reasons, and under the limits, of the
/// ingest stage; image paths leading outside the folder are refused unless allowed.
/// </summary>
public sealed class TaskFolderHostileTests : IDisposable
{
    const int Size = 32;

    readonly string root = Directory.CreateTempSubdirectory("mode-task-hostile").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A zero-shot folder: cat/0.png, dog/0.png and labels.csv naming them, and <paramref name="taskJson"/> when given.</summary>
    string LabelledFolder(string name, string? taskJson = null, string? labels = null)
    {
        string folder = Path.Combine(root, name);
        Directory.CreateDirectory(Path.Combine(folder, "img"));
        File.WriteAllBytes(Path.Combine(folder, "img", "cat.png"), TestImages.Solid(SKColors.Orange, format: SKEncodedImageFormat.Png));
        File.WriteAllBytes(Path.Combine(folder, "img", "dog.png"), TestImages.Solid(SKColors.Brown, format: SKEncodedImageFormat.Png));
        File.WriteAllText(Path.Combine(folder, TaskFolder.LabelsFile), labels ?? "image,class\nimg/cat.png,cat\nimg/dog.png,dog\n");
        if (taskJson is not null) File.WriteAllText(Path.Combine(folder, TaskFolder.TaskFile), taskJson);
        return folder;
    }

    /// <summary>Loading fails with one line that names <paramref name="file"/> and says <paramref name="reason"/>.</summary>
    static void FailsNaming(Action load, string file, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(load);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(error.Message.StartsWith(file, StringComparison.Ordinal) && error.Message.Contains(reason, StringComparison.Ordinal),
            $"expected '{file}' ... '{reason}', got: {error.Message}");
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("{", "not a valid TaskDescription")]
    [InlineData("", "not a valid TaskDescription")]
    [InlineData("null", "holds null, not a TaskDescription")]
    [InlineData("[\"cat\", \"dog\"]", "not a valid TaskDescription")]
    [InlineData("{\"name\": 5}", "not a valid TaskDescription")]
    [InlineData("{\"name\": \" \"}", "the name is empty")]
    [InlineData("{\"classes\": \"cat\"}", "not a valid TaskDescription")]
    [InlineData("{\"classes\": [1, 2]}", "not a valid TaskDescription")]
    [InlineData("{\"classes\": [\"cat\", null]}", "classes must be names")]
    [InlineData("{\"classes\": []}", "at least two classes")]
    [InlineData("{\"classes\": [\"cat\"]}", "at least two classes")]
    [InlineData("{\"classes\": [\"cat\", \"dog\", \"cat\"]}", "class 'cat' is named twice")]
    [InlineData("{\"classes\": [\"cat\", \"dog\", \"Dog \"]}", "class 'Dog ' is named twice")]
    [InlineData("{\"classes\": [\"cat\", \"dog\", \"\"]}", "class names must not be empty")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"synonyms\": {\"cat\": [\"dog\"]}}", "'dog' names both class 'cat' and class 'dog'")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"synonyms\": {\"cat\": [\"pet\"], \"dog\": [\"PET\"]}}", "'PET' names both class 'cat' and class 'dog'")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"synonyms\": {\"cow\": [\"calf\"]}}", "synonyms for unknown classes: cow")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"synonyms\": {\"cat\": null}}", "synonyms must be a list")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"synonyms\": {\"cat\": [null]}}", "synonyms must be a list")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"synonyms\": {\"cat\": [\" \"]}}", "synonyms must not be empty")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"synonyms\": [\"kitten\"]}", "not a valid TaskDescription")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"templates\": 5}", "templates must be a list of strings")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"templates\": [1]}", "templates must be a list of strings")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"templates\": [\"no placeholder\"]}", "every template must contain {}")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"templates\": \"no-such-set\"}", "no template set 'no-such-set'")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"metric\": \"f1\"}", "metric 'f1'")]
    [InlineData("{\"classes\": [\"cat\", \"dog\"], \"metric\": [1]}", "not a valid TaskDescription")]
    public void ABrokenTaskJsonIsOneLineNamingIt(string json, string reason)
    {
        string folder = LabelledFolder("json", json);
        FailsNaming(() => TaskFolder.Load(folder, Size), Path.Combine(folder, TaskFolder.TaskFile), reason);
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void ADeeplyNestedTaskJsonIsOneLineNamingIt()
    {
        string folder = LabelledFolder("deep", "{\"classes\": " + new string('[', 100_000) + new string(']', 100_000) + "}");
        FailsNaming(() => TaskFolder.Load(folder, Size), Path.Combine(folder, TaskFolder.TaskFile), "not a valid TaskDescription");
    }

    [Theory]
    [Trait("Hostile", "class1")]
    [InlineData("image,class\nimg/cat.png,cat\nimg/dog.png,Cat\n", "", "class 'cat' is named twice")] // the labels give the classes
    [InlineData("image,class\nimg/cat.png,cat\nimg/dog.png,bird\n", ":3", "class 'bird', which is not among the task's classes")]
    [InlineData("image,class\nimg/cat.png\n", ":2:1", "record has 1 fields, the header has 2")]
    [InlineData("image,class\n,cat\n", ":2", "with an image path first")]
    [InlineData("image,class\n", "", "no rows")]
    [InlineData("image,class\n\"img/cat.png,cat\n", ":2:1", "quoted field is never closed")]
    public void ABrokenLabelsCsvIsOneLineNamingItsRow(string labels, string line, string reason)
    {
        string folder = LabelledFolder("labels", labels.Contains("bird") ? "{\"classes\": [\"cat\", \"dog\"]}" : null, labels);
        FailsNaming(() => TaskFolder.Load(folder, Size), $"{Path.Combine(folder, TaskFolder.LabelsFile)}{line}: ", reason);
    }

    [Fact]
    [Trait("Hostile", "class1")]
    public void TwoClassFoldersOfOneNameAreOneLineNamingTheFolder()
    {
        string folder = Path.Combine(root, "tree");
        foreach (string name in (string[])["sea_lion", "sea lion", "seal"])
        {
            Directory.CreateDirectory(Path.Combine(folder, name));
            File.WriteAllBytes(Path.Combine(folder, name, "0.png"), TestImages.Solid(SKColors.Gray, format: SKEncodedImageFormat.Png));
        }
        FailsNaming(() => TaskFolder.Load(folder, Size), folder, "class 'sea lion' is named twice");
    }

    /// <summary>The encoded bytes of each kind of unusable image, and the reason the ingest report gives it.</summary>
    public static TheoryData<string, string> BadImages() => new()
    {
        { "text", "corrupt_image" },
        { "noise", "corrupt_image" },
        { "empty", "empty_file" },
        { "truncated-jpeg", "truncated_image" },
        { "bomb", "too_many_pixels" },
        { "missing", "missing_image" },
        { "folder", "not_a_regular_file" }, // a folder where the image should be is never opened
        { "fifo", "not_a_regular_file" }, // a named pipe would block the reader forever
    };

    static byte[]? Bytes(string kind)
    {
        var photo = TestImages.Noise(256, 256, seed: 3);
        return kind switch
        {
            "text" => "this is a caption, not an image"u8.ToArray(),
            "noise" => [.. Enumerable.Range(0, 600).Select(i => (byte)(i * 37))],
            "empty" => [],
            "truncated-jpeg" => photo[..(photo.Length / 2)],
            "bomb" => TestImages.BombHeader(100_000),
            _ => null,
        };
    }

    [Theory]
    [Trait("Hostile", "class3")]
    [MemberData(nameof(BadImages))]
    public void AnImageTheIngestWouldSkipIsOneLineNamingTheFileAndTheIngestsReason(string kind, string reason)
    {
        string folder = LabelledFolder($"image-{kind}");
        string bad = Path.Combine(folder, "img", "dog.png");
        File.Delete(bad);
        if (Bytes(kind) is { } bytes) File.WriteAllBytes(bad, bytes);
        if (kind == "folder") Directory.CreateDirectory(bad);
        if (kind == "fifo") Assert.Equal(0, ChildProcess.Run("mkfifo", [bad]).ExitCode);
        FailsNaming(() => TaskFolder.Load(folder, Size), bad, $": {reason}");

        // the same files as a retrieval set and as an ImageFolder tree: the same refusal, never an AggregateException
        File.WriteAllText(Path.Combine(folder, TaskFolder.PairsFile), "image,caption\nimg/cat.png,an orange cat\nimg/dog.png,a brown dog\n");
        FailsNaming(() => TaskFolder.Load(folder, Size), bad, $": {reason}");
        if (kind is "missing" or "folder" or "fifo") return;
        string tree = Path.Combine(root, $"tree-{kind}");
        Directory.CreateDirectory(Path.Combine(tree, "cat"));
        Directory.CreateDirectory(Path.Combine(tree, "dog"));
        File.Copy(Path.Combine(folder, "img", "cat.png"), Path.Combine(tree, "cat", "0.png"));
        File.Copy(bad, Path.Combine(tree, "dog", "0.png"));
        FailsNaming(() => TaskFolder.Load(tree, Size), Path.Combine(tree, "dog", "0.png"), $": {reason}");
    }

    /// <summary>A task folder whose labels.csv names its own image, and one outside it in each way.</summary>
    [Theory]
    [Trait("Hostile", "class4")]
    [InlineData("parent")]
    [InlineData("absolute")]
    [InlineData("file-uri")]
    [InlineData("link")]
    [InlineData("folder-link")]
    public void AnImagePathOutsideTheTaskFolderIsRefusedUnlessAllowed(string way)
    {
        string secret = Path.Combine(root, "secret");
        Directory.CreateDirectory(secret);
        File.WriteAllBytes(Path.Combine(secret, "dog.png"), TestImages.Solid(SKColors.Brown, format: SKEncodedImageFormat.Png));
        string folder = LabelledFolder($"outside-{way}");
        File.CreateSymbolicLink(Path.Combine(folder, "img", "link.png"), Path.Combine(secret, "dog.png"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "shared"), secret);
        string path = way switch
        {
            "parent" => "../secret/dog.png",
            "absolute" => Path.Combine(secret, "dog.png"),
            "file-uri" => new Uri(Path.Combine(secret, "dog.png")).AbsoluteUri,
            "link" => "img/link.png",
            _ => "shared/dog.png",
        };
        foreach (string file in (string[])[TaskFolder.LabelsFile, TaskFolder.PairsFile])
        {
            File.Delete(Path.Combine(folder, TaskFolder.LabelsFile));
            File.Delete(Path.Combine(folder, TaskFolder.PairsFile));
            File.WriteAllText(Path.Combine(folder, file), $"image,{(file == TaskFolder.LabelsFile ? "class" : "caption")}\nimg/cat.png,cat\n{path},dog\n");
            FailsNaming(() => TaskFolder.Load(folder, Size), $"{Path.Combine(folder, file)}:3", "leads outside");
            Assert.Equal(2, TaskFolder.Load(folder, Size, allowOutsidePaths: true).Images.Count);
        }
    }

    [Fact]
    [Trait("Hostile", "class4")]
    public void AClassFoldersLinkOutIsRefusedUnlessAllowed()
    {
        string secret = Path.Combine(root, "secret-tree");
        Directory.CreateDirectory(secret);
        File.WriteAllBytes(Path.Combine(secret, "passwd.png"), TestImages.Solid(SKColors.Black, format: SKEncodedImageFormat.Png));
        string tree = Path.Combine(root, "linked-tree");
        Directory.CreateDirectory(Path.Combine(tree, "cat"));
        Directory.CreateDirectory(Path.Combine(tree, "dog"));
        File.WriteAllBytes(Path.Combine(tree, "cat", "0.png"), TestImages.Solid(SKColors.Orange, format: SKEncodedImageFormat.Png));
        File.CreateSymbolicLink(Path.Combine(tree, "dog", "0.png"), Path.Combine(secret, "passwd.png"));
        FailsNaming(() => TaskFolder.Load(tree, Size), Path.Combine(tree, "dog", "0.png"), "leads outside");
        Assert.Equal(2, TaskFolder.Load(tree, Size, allowOutsidePaths: true).Images.Count);
    }
}
