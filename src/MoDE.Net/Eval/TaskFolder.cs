using System.Text.Json;
using MoDE.Data;
using MoDE.Embed;
using MoDE.Route;

namespace MoDE.Eval;

/// <summary>
/// Reads an evaluation task from a folder, whichever of these layouts it has:
/// <list type="bullet">
/// <item>a zero-shot task: <c>task.json</c> and <c>labels.csv</c> (image path, class name; paths relative to the folder);</item>
/// <item>a retrieval set: <c>pairs.csv</c> (image path, caption; an image may appear on several rows), optional <c>task.json</c> for the name;</item>
/// <item>an ImageFolder tree: one sub-folder of images per class, the folder name as class name (<c>_</c> read as a space),
/// optional <c>task.json</c> for templates and synonyms;</item>
/// <item>a built-in task as the ingest stage writes it: <c>task.json</c>, <c>images.bin</c>, <c>labels.npy</c>.</item>
/// </list>
/// <c>task.json</c> holds <c>name</c>, <c>classes</c>, <c>synonyms</c> (class name to a list of other names),
/// <c>templates</c> (a list with "{}" for the name, or a shipped set: imagenet, imagenet7, photo; default imagenet)
/// and <c>metric</c> ("top-1" or "mean per-class"). A CSV's first row is skipped when it names its columns; CSVs are
/// read as the ingest stage reads a manifest (<see cref="DelimitedText"/>), a malformed one named by file and line.
/// </summary>
public static class TaskFolder
{
    public const string TaskFile = "task.json";
    public const string LabelsFile = "labels.csv";
    public const string PairsFile = "pairs.csv";

    static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"];

    /// <summary>The task.json fields, all optional.</summary>
    sealed record Description(string? Name, List<string>? Classes, Dictionary<string, List<string>>? Synonyms, JsonElement? Templates, string? Metric);

    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <param name="imageSize">The models' image size; image files are resized and center-cropped to it.</param>
    public static EvalTask Load(string folder, int imageSize)
    {
        var (name, description) = Describe(folder);
        if (File.Exists(Path.Combine(folder, PairsFile))) return LoadRetrieval(folder, name, imageSize);
        if (File.Exists(Path.Combine(folder, LabelsFile)))
        {
            var rows = DataRows(Path.Combine(folder, LabelsFile), 2, "class");
            var classes = description.Classes ?? ClassesOf(rows);
            return Classification(folder, name, description, classes, rows.Select(r => (Path.Combine(folder, r[0]), r[1])).ToList(), imageSize);
        }
        if (IsBuiltIn(folder))
        {
            var task = TaskStore.Load(folder);
            if (task.Images.Height != imageSize || task.Images.Width != imageSize)
                throw new InvalidDataException($"{folder}: images are {task.Images.Height}x{task.Images.Width}, the models take {imageSize}x{imageSize}");
            return ClassificationTask.Of(task) with { Prompts = Prompts(folder, description, task.Classes, task.Templates) };
        }
        var classFolders = ClassFolders(folder);
        var folderClasses = classFolders.Select(ClassOfFolder).ToList();
        var images = classFolders.SelectMany((d, c) => Directory.GetFiles(d).Where(IsImage).Order(StringComparer.Ordinal).Select(f => (f, folderClasses[c]))).ToList();
        return Classification(folder, name, description, description.Classes ?? folderClasses, images, imageSize);
    }

    /// <summary>
    /// What routing needs of a task folder, without reading its images: the class prompts embedded with
    /// <paramref name="encoder"/>, or a retrieval set's captions.
    /// </summary>
    public static TaskMetadata Metadata(string folder, CaptionEncoder encoder)
    {
        var (name, description) = Describe(folder);
        if (File.Exists(Path.Combine(folder, PairsFile)))
            return TaskMetadata.OfTexts(name, DataRows(Path.Combine(folder, PairsFile), 2, "caption").Select(r => r[1]).ToList(), encoder);
        List<string> classes;
        IReadOnlyList<string>? templates = null;
        if (File.Exists(Path.Combine(folder, LabelsFile))) classes = description.Classes ?? ClassesOf(DataRows(Path.Combine(folder, LabelsFile), 2, "class"));
        else if (IsBuiltIn(folder))
        {
            classes = description.Classes ?? throw new InvalidDataException($"{folder}/{TaskFile}: no classes");
            templates = description.Templates is { ValueKind: JsonValueKind.Array } t ? t.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : null;
        }
        else classes = description.Classes ?? ClassFolders(folder).Select(ClassOfFolder).ToList();
        return TaskMetadata.Embed(name, Prompts(folder, description, classes, templates), encoder);
    }

    static (string Name, Description Description) Describe(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such task folder");
        string path = Path.Combine(folder, TaskFile);
        var description = File.Exists(path)
            ? JsonSerializer.Deserialize<Description>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty")
            : new Description(null, null, null, null, null);
        return (description.Name ?? Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)), description);
    }

    static bool IsBuiltIn(string folder) => File.Exists(Path.Combine(folder, "images.bin")) && File.Exists(Path.Combine(folder, "labels.npy"));

    static List<string> ClassesOf(List<string[]> rows) => rows.Select(r => r[1]).Distinct().Order(StringComparer.Ordinal).ToList();

    static string ClassOfFolder(string path) => Path.GetFileName(path).Replace('_', ' ');

    static List<string> ClassFolders(string folder)
    {
        var classFolders = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).Where(d => Directory.EnumerateFiles(d).Any(IsImage)).ToList();
        if (classFolders.Count == 0)
            throw new InvalidDataException($"{folder}: not a task folder (no {PairsFile}, no {LabelsFile}, no images.bin, no class sub-folders with images)");
        return classFolders;
    }

    static ClassificationTask Classification(string folder, string name, Description description, List<string> classes, List<(string Path, string Class)> images, int imageSize)
    {
        if (classes.Count < 2) throw new InvalidDataException($"{folder}: a task needs at least two classes");
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        var labels = images.Select(x => index.TryGetValue(x.Class, out int i) ? i
            : throw new InvalidDataException($"{folder}: image {x.Path} has class '{x.Class}', which is not among the task's classes")).ToArray();
        string metric = description.Metric ?? ClassificationMetrics.Top1;
        if (metric is not (ClassificationMetrics.Top1 or ClassificationMetrics.MeanPerClass))
            throw new InvalidDataException($"{folder}/{TaskFile}: metric '{metric}' is not '{ClassificationMetrics.Top1}' or '{ClassificationMetrics.MeanPerClass}'");
        return new ClassificationTask(name, Prompts(folder, description, classes, null), ImageFiles.Load(images.Select(x => x.Path).ToList(), imageSize), labels, metric);
    }

    static ClassPrompts Prompts(string folder, Description description, IReadOnlyList<string> classes, IReadOnlyList<string>? defaultTemplates)
    {
        IReadOnlyList<string> templates = description.Templates switch
        {
            null => defaultTemplates ?? PromptTemplates.Get(PromptTemplates.ImageNet),
            { ValueKind: JsonValueKind.String } set => PromptTemplates.Get(set.GetString()!),
            { ValueKind: JsonValueKind.Array } list => list.EnumerateArray().Select(t => t.GetString() ?? "").ToList(),
            _ => throw new InvalidDataException($"{folder}/{TaskFile}: templates must be a list of strings or the name of a shipped set"),
        };
        var unknown = description.Synonyms?.Keys.Where(k => !classes.Contains(k)).ToList() ?? [];
        if (unknown.Count > 0) throw new InvalidDataException($"{folder}/{TaskFile}: synonyms for unknown classes: {string.Join(", ", unknown)}");
        var synonyms = classes.Select(c => (IReadOnlyList<string>)(description.Synonyms?.GetValueOrDefault(c) ?? [])).ToList();
        try { return new ClassPrompts(classes, templates, synonyms); }
        catch (ArgumentException e) { throw new InvalidDataException($"{folder}/{TaskFile}: {e.Message}"); }
    }

    static RetrievalTask LoadRetrieval(string folder, string name, int imageSize)
    {
        var rows = DataRows(Path.Combine(folder, PairsFile), 2, "caption");
        var imageIndex = new Dictionary<string, int>();
        var paths = new List<string>();
        var imageOfCaption = new int[rows.Count];
        for (int j = 0; j < rows.Count; j++)
        {
            string path = Path.Combine(folder, rows[j][0]);
            if (!imageIndex.TryGetValue(path, out int i)) { i = paths.Count; imageIndex[path] = i; paths.Add(path); }
            imageOfCaption[j] = i;
        }
        return new RetrievalTask(name, ImageFiles.Load(paths, imageSize), rows.Select(r => r[1]).ToList(), imageOfCaption);
    }

    /// <summary>
    /// The CSV's rows (<see cref="DelimitedText"/>, RFC 4180) of at least <paramref name="columns"/> fields, a header
    /// row (naming <paramref name="header"/>) dropped.
    /// </summary>
    static List<string[]> DataRows(string path, int columns, string header)
    {
        var rows = DelimitedText.ReadFile(path, ',').ToList();
        if (rows.Count > 0 && rows[0].Fields.Count >= columns && rows[0].Fields[columns - 1].Trim().Equals(header, StringComparison.OrdinalIgnoreCase)) rows.RemoveAt(0);
        int bad = rows.FindIndex(r => r.Fields.Count < columns || string.IsNullOrWhiteSpace(r.Fields[0]));
        if (bad >= 0) throw new InvalidDataException($"{path}:{rows[bad].Line}: data row {bad + 1} does not have {columns} fields with an image path first");
        if (rows.Count == 0) throw new InvalidDataException($"{path}: no rows");
        return rows.Select(r => r.Fields.ToArray()).ToList();
    }

    static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());
}
