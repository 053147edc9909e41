namespace MoDE.Data;

/// <summary>
/// Where a path named in a data file points, and whether it stays inside the data. The data is the folder of the file
/// that names the path: a manifest's folder for its image column, a task folder for its <c>labels.csv</c> and
/// <c>pairs.csv</c>, the folder itself for a folder of images. A relative path is taken from that folder, an absolute
/// path or a <c>file://</c> URI as it is; every symbolic link on the way is followed to its target (as POSIX
/// <c>realpath</c> does, so <c>link/..</c> is the parent of the link's target), and the path is inside when the real file
/// lies under the folder's real path. So <c>../x.jpg</c>, <c>/etc/x.jpg</c>, <c>file:///etc/x.jpg</c> and a link inside
/// the folder to a file outside it are all outside, and nothing outside is read unless the user allows it
/// (<c>--allow-outside-paths</c>). The ingest stage counts an outside path as <c>unsafe_path</c>; evaluation stops on it
/// in one line naming the task file and row. The real path is the one read afterwards, so the checked file is the read one.
/// </summary>
public sealed class DataPath
{
    /// <summary>Symbolic links followed on one path before it is refused, as Linux's limit (MAXSYMLINKS, 40).</summary>
    const int MaxLinks = 40;

    /// <param name="folder">The data's folder.</param>
    /// <param name="allowOutside">True to resolve paths outside the folder too (the user's opt-in).</param>
    public DataPath(string folder, bool allowOutside)
    {
        int links = 0;
        Folder = Real(folder, Directory.GetCurrentDirectory(), ref links) ?? Path.GetFullPath(folder);
        AllowOutside = allowOutside;
    }

    /// <summary>The data of <paramref name="file"/>, a manifest that names paths: its folder.</summary>
    public static DataPath Beside(string file, bool allowOutside) => new(Path.GetDirectoryName(Path.GetFullPath(file))!, allowOutside);

    /// <summary>The folder's real path: every path inside the data lies under it.</summary>
    public string Folder { get; }

    public bool AllowOutside { get; }

    /// <summary>
    /// The real path of <paramref name="named"/>, or null when it leads outside the folder (and outside paths are not
    /// allowed) or cannot be resolved, with the reason in <paramref name="problem"/>.
    /// </summary>
    public string? Resolve(string named, out string problem)
    {
        problem = "";
        string path = named.Trim();
        if (path.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(path, UriKind.Absolute, out var uri) || !uri.IsFile) { problem = $"'{named}' is not a file URI"; return null; }
            path = uri.LocalPath;
        }
        int links = 0;
        string? real;
        try { real = Real(path, Folder, ref links); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            problem = $"'{named}' cannot be resolved ({e.Message})";
            return null;
        }
        if (real is null) { problem = $"'{named}' goes through more than {MaxLinks} symbolic links (a loop?)"; return null; }
        if (AllowOutside || IsInside(real)) return real;
        problem = $"'{named}' leads outside {Folder} (to {real}); --allow-outside-paths reads it";
        return null;
    }

    /// <summary>True when the real path <paramref name="real"/> is the folder or lies under it.</summary>
    public bool IsInside(string real)
    {
        string relative = Path.GetRelativePath(Folder, real);
        return relative == "." || (!Path.IsPathRooted(relative) && relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal));
    }

    /// <summary>
    /// <paramref name="path"/> (relative to <paramref name="start"/>, a real path, unless rooted) with every symbolic link
    /// resolved, component by component; components that do not exist are kept as written. Null past <see cref="MaxLinks"/> links.
    /// </summary>
    static string? Real(string path, string start, ref int links)
    {
        string current = Path.IsPathRooted(path) ? Path.GetPathRoot(path)! : start;
        string rest = Path.IsPathRooted(path) ? path[Path.GetPathRoot(path)!.Length..] : path;
        foreach (string part in rest.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? current; continue; }
            string next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is not { } target) { current = next; continue; }
            if (++links > MaxLinks) return null;
            if (Real(target, current, ref links) is not { } resolved) return null;
            current = resolved;
        }
        return current;
    }
}
