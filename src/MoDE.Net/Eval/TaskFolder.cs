using System.Text.Json;
using MoDE.Data;
using MoDE.Embed;
using MoDE.Route;
using MoDE.Storage;

namespace MoDE.Eval;

/// <summary>
/// Reads an evaluation task from a folder, whichever of these layouts it has:
/// <list type="bullet">
/// <item>a zero-shot task: <c>task.json</c> and <c>labels.csv</c> (image path, class name; paths relative to the folder);</item>
/// <item>a retrieval set: <c>pairs.csv</c> (image path, caption; an image may appear on several rows), optional <c>task.json</c> for the name;</item>
/// <item>an ImageFolder tree: one sub-folder of images per class, the folder name as class name (<c>_</c> read as a space),
/// optional <c>task.json</c> for templates and synonyms;</item>
/// <item>a built-in task as the ingest stage writes it: <c>task.json</c>, <c>images/</c> (shards), <c>labels.npy</c>.</item>
/// </list>
/// <c>task.json</c> holds <c>name</c>, <c>description</c> (shown with the results), <c>classes</c>, <c>synonyms</c>
/// (class name to a list of other names), <c>templates</c> (a list with "{}" for the name, or a shipped set: imagenet,
/// imagenet7, photo; default imagenet) and <c>metric</c> ("top-1" or "mean per-class"). A CSV's first row is skipped when
/// it names its columns; CSVs are read as the ingest stage reads a manifest (<see cref="DelimitedText"/>). Image paths
/// must lead to files inside the folder (<see cref="DataPath"/>) unless outside paths are allowed, and images are decoded
/// as the ingest stage decodes them (<see cref="ImageFiles"/>). Every problem of a folder is one
/// <see cref="InvalidDataException"/> naming the file (and line) and the reason.
/// </summary>
public static class TaskFolder
{
    public const string TaskFile = TaskStore.TaskFile;
    public const string LabelsFile = TaskStore.LabelsCsv;
    public const string PairsFile = TaskStore.PairsCsv;

    static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"];

    /// <summary>The task.json fields, all optional.</summary>
    sealed record TaskDescription(string? Name = null, string? Description = null, List<string>? Classes = null, Dictionary<string, List<string>>? Synonyms = null,
                                  JsonElement? Templates = null, string? Metric = null);

    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <param name="imageSize">The models' image size; image files are resized and center-cropped to it.</param>
    /// <param name="allowOutsidePaths">Read image paths that lead outside the folder (the user's opt-in).</param>
    public static EvalTask Load(string folder, int imageSize, bool allowOutsidePaths = false)
    {
        var (name, description) = Describe(folder);
        var data = new DataPath(folder, allowOutsidePaths);
        EvalTask task;
        if (File.Exists(Path.Combine(folder, PairsFile))) task = LoadRetrieval(folder, data, name, imageSize);
        else if (File.Exists(Path.Combine(folder, LabelsFile)))
        {
            string labels = Path.Combine(folder, LabelsFile);
            var rows = DataRows(labels, 2, "class");
            var (classes, from) = description.Classes is { } c ? (c, Path.Combine(folder, TaskFile)) : (ClassesOf(rows), labels);
            task = Classification(folder, name, description, classes, from, rows.Select(r => (Image(data, labels, r), r.Line, r.Fields[1], labels)).ToList(), imageSize);
        }
        else if (IsBuiltIn(folder))
        {
            var builtIn = TaskStore.Load(folder);
            if (builtIn.Images.Height != imageSize || builtIn.Images.Width != imageSize)
                throw new InvalidDataException($"{folder}: images are {builtIn.Images.Height}x{builtIn.Images.Width}, the models take {imageSize}x{imageSize}");
            task = ClassificationTask.Of(builtIn) with { Prompts = Prompts(folder, Path.Combine(folder, TaskFile), description, builtIn.Classes, builtIn.Templates) };
        }
        else
        {
            var classFolders = ClassFolders(folder);
            var folderClasses = classFolders.Select(ClassOfFolder).ToList();
            var images = classFolders.SelectMany((d, c) => Directory.GetFiles(d).Where(IsImage).Order(StringComparer.Ordinal)
                .Select(f => (Image(data, f), 0, folderClasses[c], d))).ToList();
            var (classes, from) = description.Classes is { } c ? (c, Path.Combine(folder, TaskFile)) : (folderClasses, folder);
            task = Classification(folder, name, description, classes, from, images, imageSize);
        }
        return task with { Description = description.Description };
    }

    /// <summary>
    /// What routing needs of a task folder, without reading its images: the class prompts embedded with
    /// <paramref name="encoder"/>, or a retrieval set's captions.
    /// </summary>
    public static TaskMetadata Metadata(string folder, CaptionEncoder encoder)
    {
        var (name, description) = Describe(folder);
        if (File.Exists(Path.Combine(folder, PairsFile)))
            return TaskMetadata.OfTexts(name, DataRows(Path.Combine(folder, PairsFile), 2, "caption").Select(r => r.Fields[1]).ToList(), encoder);
        string where = Path.Combine(folder, TaskFile);
        List<string> classes;
        IReadOnlyList<string>? templates = null;
        if (File.Exists(Path.Combine(folder, LabelsFile)))
        {
            if (description.Classes is null) where = Path.Combine(folder, LabelsFile);
            classes = description.Classes ?? ClassesOf(DataRows(Path.Combine(folder, LabelsFile), 2, "class"));
        }
        else if (IsBuiltIn(folder))
        {
            classes = description.Classes ?? throw new InvalidDataException($"{where}: no classes");
            templates = description.Templates is { ValueKind: JsonValueKind.Array } t ? t.EnumerateArray().Select(x => x.GetString()!).ToList() : null;
        }
        else
        {
            if (description.Classes is null) where = folder;
            classes = description.Classes ?? ClassFolders(folder).Select(ClassOfFolder).ToList();
        }
        return TaskMetadata.Embed(name, Prompts(folder, where, description, classes, templates), encoder);
    }

    /// <summary>The task's name and its task.json, every field's type checked; an absent task.json describes nothing.</summary>
    static (string Name, TaskDescription Description) Describe(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such task folder");
        string path = Path.Combine(folder, TaskFile);
        var description = new TaskDescription();
        if (File.Exists(path))
        {
            var json = JsonFile.Read<TaskDescription>(path, Json);
            if (json.Classes?.Any(c => c is null) == true) throw new InvalidDataException($"{path}: classes must be names (strings), not null");
            if (json.Synonyms?.Any(s => s.Value is null || s.Value.Any(v => v is null)) == true)
                throw new InvalidDataException($"{path}: each class's synonyms must be a list of names (strings)");
            if (json.Templates is { ValueKind: JsonValueKind.Array } list && list.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
                throw new InvalidDataException($"{path}: templates must be a list of strings or the name of a shipped set");
            if (json.Name is { } given && string.IsNullOrWhiteSpace(given)) throw new InvalidDataException($"{path}: the name is empty");
            description = json;
        }
        return (description.Name ?? Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar)), description);
    }

    static bool IsBuiltIn(string folder) => ImageSet.Exists(Path.Combine(folder, TaskStore.ImagesFile)) && File.Exists(Path.Combine(folder, TaskStore.LabelsFile));

    static List<string> ClassesOf(List<(int Line, List<string> Fields)> rows) => rows.Select(r => r.Fields[1]).Distinct().Order(StringComparer.Ordinal).ToList();

    static string ClassOfFolder(string path) => Path.GetFileName(path).Replace('_', ' ');

    static List<string> ClassFolders(string folder)
    {
        var classFolders = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).Where(d => Directory.EnumerateFiles(d).Any(IsImage)).ToList();
        if (classFolders.Count == 0)
            throw new InvalidDataException($"{folder}: not a task folder (no {PairsFile}, no {LabelsFile}, no {TaskStore.ImagesFile}, no class sub-folders with images)");
        return classFolders;
    }

    /// <summary>The real path of an image a CSV row names, which must stay inside the task folder unless allowed.</summary>
    static string Image(DataPath data, string csv, (int Line, List<string> Fields) row) =>
        data.Resolve(row.Fields[0], out string problem) ?? throw new InvalidDataException($"{csv}:{row.Line}: image path {problem}");

    /// <summary>The real path of an image file found in a class folder (a symbolic link may lead outside).</summary>
    static string Image(DataPath data, string file) =>
        data.Resolve(file, out string problem) ?? throw new InvalidDataException($"{file}: image path {problem}");

    /// <param name="from">The file (or folder) the classes come from, named when they are wrong.</param>
    /// <param name="images">Each image's path, its line in <c>Source</c> (0: none) and class.</param>
    static ClassificationTask Classification(string folder, string name, TaskDescription description, List<string> classes, string from,
                                             List<(string Path, int Line, string Class, string Source)> images, int imageSize)
    {
        if (classes.Count < 2) throw new InvalidDataException($"{from}: a task needs at least two classes, it has {classes.Count}");
        var prompts = Prompts(folder, from, description, classes, null); // checks the names: none empty or repeated
        var index = classes.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        var labels = images.Select(x => index.TryGetValue(x.Class, out int i) ? i
            : throw new InvalidDataException($"{x.Source}{(x.Line > 0 ? $":{x.Line}" : "")}: image {x.Path} has class '{x.Class}', which is not among the task's classes")).ToArray();
        string metric = description.Metric ?? ClassificationMetrics.Top1;
        if (metric is not (ClassificationMetrics.Top1 or ClassificationMetrics.MeanPerClass))
            throw new InvalidDataException($"{folder}/{TaskFile}: metric '{metric}' is not '{ClassificationMetrics.Top1}' or '{ClassificationMetrics.MeanPerClass}'");
        return new ClassificationTask(name, prompts, ImageFiles.Load(images.Select(x => x.Path).ToList(), imageSize), labels, metric);
    }

    /// <param name="classesFrom">The file (or folder) the class names come from, named when they are wrong; anything
    /// else wrong (synonyms, templates) is in the folder's task.json.</param>
    static ClassPrompts Prompts(string folder, string classesFrom, TaskDescription description, IReadOnlyList<string> classes, IReadOnlyList<string>? defaultTemplates)
    {
        try
        {
            IReadOnlyList<string> templates = description.Templates switch
            {
                null or { ValueKind: JsonValueKind.Null } => defaultTemplates ?? PromptTemplates.Get(PromptTemplates.ImageNet),
                { ValueKind: JsonValueKind.String } set => PromptTemplates.Get(set.GetString()!),
                { ValueKind: JsonValueKind.Array } list => list.EnumerateArray().Select(t => t.GetString()!).ToList(),
                _ => throw new ArgumentException("templates must be a list of strings or the name of a shipped set", "templates"),
            };
            var unknown = description.Synonyms?.Keys.Where(k => !classes.Contains(k)).ToList() ?? [];
            if (unknown.Count > 0) throw new ArgumentException($"synonyms for unknown classes: {string.Join(", ", unknown)}", "synonyms");
            var synonyms = classes.Select(c => (IReadOnlyList<string>)(description.Synonyms?.GetValueOrDefault(c) ?? [])).ToList();
            return new ClassPrompts(classes, templates, synonyms);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{(e.ParamName == "classes" ? classesFrom : Path.Combine(folder, TaskFile))}: {Reason(e)}", e);
        }
    }

    /// <summary>An argument error's message without .NET's " (Parameter 'x')" suffix.</summary>
    static string Reason(ArgumentException e)
    {
        int suffix = e.Message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return suffix >= 0 ? e.Message[..suffix] : e.Message;
    }

    static RetrievalTask LoadRetrieval(string folder, DataPath data, string name, int imageSize)
    {
        string csv = Path.Combine(folder, PairsFile);
        var rows = DataRows(csv, 2, "caption");
        var imageIndex = new Dictionary<string, int>();
        var paths = new List<string>();
        var imageOfCaption = new int[rows.Count];
        for (int j = 0; j < rows.Count; j++)
        {
            string path = Image(data, csv, rows[j]);
            if (!imageIndex.TryGetValue(path, out int i)) { i = paths.Count; imageIndex[path] = i; paths.Add(path); }
            imageOfCaption[j] = i;
        }
        return new RetrievalTask(name, ImageFiles.Load(paths, imageSize), rows.Select(r => r.Fields[1]).ToList(), imageOfCaption);
    }

    /// <summary>
    /// The CSV's rows (<see cref="DelimitedText"/>, RFC 4180) of at least <paramref name="columns"/> fields, with their
    /// lines, a header row (naming <paramref name="header"/>) dropped.
    /// </summary>
    static List<(int Line, List<string> Fields)> DataRows(string path, int columns, string header)
    {
        var rows = DelimitedText.ReadFile(path, ',').ToList();
        if (rows.Count > 0 && rows[0].Fields.Count >= columns && rows[0].Fields[columns - 1].Trim().Equals(header, StringComparison.OrdinalIgnoreCase)) rows.RemoveAt(0);
        int bad = rows.FindIndex(r => r.Fields.Count < columns || string.IsNullOrWhiteSpace(r.Fields[0]));
        if (bad >= 0) throw new InvalidDataException($"{path}:{rows[bad].Line}: data row {bad + 1} does not have {columns} fields with an image path first");
        if (rows.Count == 0) throw new InvalidDataException($"{path}: no rows");
        return rows;
    }

    static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());
}
