using System.Text.Json;
using MoDE.Storage;

namespace MoDE.Data;

/// <summary>
/// Reads and writes the run's task folders: a <see cref="ZeroShotTask"/> as task.json (name, classes, templates),
/// images (an <see cref="ImageSet"/> folder) and labels.npy (int32 class index per image); a retrieval set as task.json (name, description),
/// pairs.csv (image path, caption) and the images beside it, the layout the evaluation reads from any folder.
/// </summary>
public static class TaskStore
{
    public const string TaskFile = "task.json";
    public const string ImagesFile = "images";
    public const string LabelsFile = "labels.npy";
    public const string LabelsCsv = "labels.csv";
    public const string PairsCsv = "pairs.csv";

    /// <summary>A zero-shot task's task.json.</summary>
    sealed record ZeroShotTaskFile(string Name, List<string> Classes, List<string> Templates);

    sealed record RetrievalJson(string Name, string Description);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Save(ZeroShotTask task, string folder)
    {
        Directory.CreateDirectory(folder);
        task.Images.Save(Path.Combine(folder, ImagesFile));
        Npy.Write(Path.Combine(folder, LabelsFile), task.Labels);
        AtomicFile.WriteAllText(Path.Combine(folder, TaskFile),
            JsonSerializer.Serialize(new ZeroShotTaskFile(task.Name, [.. task.Classes], [.. task.Templates]), Json));
    }

    /// <summary>
    /// A retrieval set: <paramref name="images"/> (encoded files, written as <c>images/NNNNN.EXT</c> in this order) and
    /// captions, each with the index of its image. task.json is written last, so a folder without it is unfinished.
    /// </summary>
    public static void SaveRetrieval(string folder, string name, string description, IReadOnlyList<byte[]> images, string extension,
                                     IReadOnlyList<(int Image, string Caption)> captions)
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        var files = images.Select((_, i) => $"images/{i:D5}.{extension}").ToList();
        for (int i = 0; i < images.Count; i++) AtomicFile.Write(Path.Combine(folder, files[i]), s => s.Write(images[i]));
        AtomicFile.WriteAllText(Path.Combine(folder, PairsCsv), string.Concat(
            new[] { DelimitedText.Line(["image", "caption"], ',') }.Concat(captions.Select(c => DelimitedText.Line([files[c.Image], c.Caption], ','))).Select(l => l + "\n")));
        AtomicFile.WriteAllText(Path.Combine(folder, TaskFile), JsonSerializer.Serialize(new RetrievalJson(name, description), Json));
    }

    public static ZeroShotTask Load(string folder)
    {
        string jsonPath = Path.Combine(folder, TaskFile);
        var file = JsonFile.Read<ZeroShotTaskFile>(jsonPath, Json);
        if (string.IsNullOrWhiteSpace(file.Name)) throw new InvalidDataException($"{jsonPath}: the task has no name");
        if (file.Classes is not { Count: > 1 }) throw new InvalidDataException($"{jsonPath}: a task needs at least two classes");
        if (file.Templates is not { Count: > 0 } || file.Templates.Any(t => t is null || !t.Contains("{}")))
            throw new InvalidDataException($"{jsonPath}: every template must contain {{}} where the class name goes");
        var labels = Npy.ReadVector(Path.Combine(folder, LabelsFile));
        var images = ImageSet.Open(Path.Combine(folder, ImagesFile));
        int bad = Array.FindIndex(labels, l => l < 0 || l >= file.Classes.Count);
        if (labels.Length != images.Count || bad >= 0) images.Dispose();
        if (labels.Length != images.Count)
            throw new InvalidDataException($"{folder}: {labels.Length} labels for {images.Count} images");
        if (bad >= 0) throw new InvalidDataException($"{folder}/{LabelsFile}: record {bad} has label {labels[bad]}, outside 0..{file.Classes.Count - 1}");
        return new ZeroShotTask(file.Name, file.Classes, file.Templates, images, labels);
    }
}
