namespace MoDE.Data.Ingest;

/// <summary>
/// A folder of images (.jpg, .jpeg, .png, .webp, .gif, .bmp, searched in subfolders too, in ordinal path order),
/// each with its caption in a sidecar text file of the same name: <c>cat_01.jpg</c> beside <c>cat_01.txt</c>.
/// The pair id is the folder's name, a slash, and the image's relative path without extension. An image or caption
/// that is a symbolic link to a file outside the folder is counted as <see cref="SkipReason.UnsafePath"/> unless
/// <paramref name="allowOutsidePaths"/> (<see cref="DataPath"/>); the real file is read.
/// </summary>
public sealed class ImageFolderReader(string path, bool allowOutsidePaths = false) : IPairReader
{
    public static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"];

    public string Path { get; } = path;

    public IEnumerable<SourceRecord> Read(IngestReport report)
    {
        string root = System.IO.Path.GetFullPath(Path);
        string name = System.IO.Path.GetFileName(root.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var data = new DataPath(root, allowOutsidePaths);
        var images = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal);
        foreach (string image in images)
        {
            string relative = System.IO.Path.GetRelativePath(root, image).Replace('\\', '/');
            string id = $"{name}/{relative[..^System.IO.Path.GetExtension(relative).Length]}";
            string sidecar = System.IO.Path.ChangeExtension(image, ".txt");
            if (!File.Exists(sidecar)) { report.Skip(SkipReason.MissingCaption, id); continue; }
            if (data.Resolve(image, out string outside) is not { } realImage || data.Resolve(sidecar, out outside) is not { } realSidecar)
            {
                report.Skip(SkipReason.UnsafePath, id, outside);
                continue;
            }
            if (SourceCaption.FromUtf8(File.ReadAllBytes(realSidecar), out string caption) is { } problem) { report.Skip(problem, id); continue; }
            yield return new SourceRecord(id, caption, ImagePath: realImage);
        }
    }
}
