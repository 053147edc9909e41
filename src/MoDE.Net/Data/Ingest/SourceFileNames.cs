namespace MoDE.Data.Ingest;

/// <summary>
/// The name each file of a source gives its pair ids: the file's path relative to the longest folder common to
/// all the files, with '/' between folders and without the extension. When every file sits in one folder this is
/// just the file name without extension (<c>00000.tar</c> gives <c>00000</c>); files of the same name in
/// different folders stay apart (<c>a/00000.tar</c> and <c>b/00000.tar</c> give <c>a/00000</c> and <c>b/00000</c>).
/// Two different files that would still get one name (<c>x.tar</c> beside <c>x.tgz</c>) keep their extension.
/// The same path named twice is one file and gets one name.
/// </summary>
public static class SourceFileNames
{
    /// <summary>
    /// The name of each path, keyed by its full path; <paramref name="withoutExtension"/> strips the extension
    /// from a relative path.
    /// </summary>
    public static Dictionary<string, string> For(IEnumerable<string> paths, Func<string, string> withoutExtension)
    {
        var full = paths.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        if (full.Count == 0) return names;
        string common = CommonFolder(full);
        var relative = full.ToDictionary(p => p, p => Path.GetRelativePath(common, p).Replace('\\', '/'), StringComparer.Ordinal);
        foreach (string path in full) names[path] = withoutExtension(relative[path]);
        var clashing = names.GroupBy(n => n.Value, StringComparer.Ordinal).Where(g => g.Count() > 1).SelectMany(g => g.Select(n => n.Key)).ToList();
        foreach (string path in clashing) names[path] = relative[path];
        return names;
    }

    /// <summary>The longest folder that holds every one of <paramref name="fullPaths"/> (full file paths).</summary>
    static string CommonFolder(List<string> fullPaths)
    {
        string first = Path.GetDirectoryName(fullPaths[0]) ?? fullPaths[0];
        var common = first.Split(Path.DirectorySeparatorChar).ToList();
        foreach (string path in fullPaths.Skip(1))
        {
            var parts = (Path.GetDirectoryName(path) ?? path).Split(Path.DirectorySeparatorChar);
            int same = 0;
            while (same < common.Count && same < parts.Length && common[same] == parts[same]) same++;
            common.RemoveRange(same, common.Count - same);
        }
        string folder = string.Join(Path.DirectorySeparatorChar, common);
        return folder.Length == 0 || folder.EndsWith(':') ? folder + Path.DirectorySeparatorChar : folder;
    }
}
