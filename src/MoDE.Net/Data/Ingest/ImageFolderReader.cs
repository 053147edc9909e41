namespace MoDE.Data.Ingest;

/// <summary>
/// A folder of images (.jpg, .jpeg, .png, .webp, .gif, .bmp, searched in subfolders too, in ordinal path order,
/// but not through symbolic links to folders: <see cref="SourceFile.Under"/>), each with its caption in a sidecar
/// text file of the same name: <c>cat_01.jpg</c> beside <c>cat_01.txt</c>. The pair id is the folder's name, a
/// slash, and the image's relative path without extension. A sidecar is read only when it is a regular file of at
/// most <see cref="SourceOptions.MaxCaptionBytes"/>. An image or caption that is a symbolic link to a file outside the
/// folder is counted as <see cref="SkipReason.UnsafePath"/> unless <see cref="SourceOptions.AllowOutsidePaths"/>
/// (<see cref="DataPath"/>); the real file is read.
/// </summary>
public sealed class ImageFolderReader(string path, SourceOptions options) : IPairReader
{
    public static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"];

    public string Path { get; } = path;

    public IEnumerable<SourceRecord> Read(IngestReport report)
    {
        string root = System.IO.Path.GetFullPath(Path);
        string name = System.IO.Path.GetFileName(root.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var data = new DataPath(root, options.AllowOutsidePaths);
        var images = SourceFile.Under(root).Where(f => ImageExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()));
        foreach (string image in images)
        {
            string relative = System.IO.Path.GetRelativePath(root, image).Replace('\\', '/');
            string id = $"{name}/{relative[..^System.IO.Path.GetExtension(relative).Length]}";
            string sidecar = System.IO.Path.ChangeExtension(image, ".txt");
            if (data.Resolve(image, out string outside) is not { } realImage || data.Resolve(sidecar, out outside) is not { } realSidecar)
            {
                report.Skip(SkipReason.UnsafePath, id, outside);
                continue;
            }
            if (SourceFile.Read(realSidecar, options.MaxCaptionBytes, SkipReason.MissingCaption, SkipReason.CaptionTooLong, out byte[] text) is { } unread)
            {
                report.Skip(unread.Reason, id, unread.Detail);
                continue;
            }
            if (SourceCaption.FromUtf8(text, out string caption) is { } problem) { report.Skip(problem, id); continue; }
            yield return new SourceRecord(id, caption, ImagePath: realImage);
        }
    }
}
