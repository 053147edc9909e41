using System.Text.Json;
using MoDE.Storage;

namespace MoDE.Data;

/// <summary>
/// Reads and writes a <see cref="ZeroShotTask"/> as a folder: task.json (name, classes, templates), images.bin
/// and labels.npy (int32 class index per image).
/// </summary>
public static class TaskStore
{
    sealed record TaskFile(string Name, List<string> Classes, List<string> Templates);

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Save(ZeroShotTask task, string folder)
    {
        Directory.CreateDirectory(folder);
        task.Images.Save(Path.Combine(folder, "images.bin"));
        Npy.Write(Path.Combine(folder, "labels.npy"), task.Labels);
        AtomicFile.WriteAllText(Path.Combine(folder, "task.json"),
            JsonSerializer.Serialize(new TaskFile(task.Name, [.. task.Classes], [.. task.Templates]), Json));
    }

    public static ZeroShotTask Load(string folder)
    {
        string jsonPath = Path.Combine(folder, "task.json");
        var file = JsonSerializer.Deserialize<TaskFile>(File.ReadAllText(jsonPath), Json)
            ?? throw new InvalidDataException($"{jsonPath}: empty task file");
        if (file.Classes is not { Count: > 1 }) throw new InvalidDataException($"{jsonPath}: a task needs at least two classes");
        if (file.Templates is not { Count: > 0 } || file.Templates.Any(t => !t.Contains("{}")))
            throw new InvalidDataException($"{jsonPath}: every template must contain {{}} where the class name goes");
        var images = ImageSet.Load(Path.Combine(folder, "images.bin"));
        var labels = Npy.ReadVector(Path.Combine(folder, "labels.npy"));
        if (labels.Length != images.Count)
            throw new InvalidDataException($"{folder}: {labels.Length} labels for {images.Count} images");
        int bad = Array.FindIndex(labels, l => l < 0 || l >= file.Classes.Count);
        if (bad >= 0) throw new InvalidDataException($"{folder}/labels.npy: record {bad} has label {labels[bad]}, outside 0..{file.Classes.Count - 1}");
        return new ZeroShotTask(file.Name, file.Classes, file.Templates, images, labels);
    }

    /// <summary>Every task folder under <paramref name="root"/>, by name.</summary>
    public static List<ZeroShotTask> LoadAll(string root) =>
        Directory.GetDirectories(root).Order(StringComparer.Ordinal)
            .Where(d => File.Exists(Path.Combine(d, "task.json"))).Select(Load).ToList();
}
