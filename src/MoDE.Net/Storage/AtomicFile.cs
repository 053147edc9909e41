using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MoDE.Storage;

/// <summary>
/// Writes a file so that readers never see it half-written: the content goes to a temporary file beside the
/// target, is flushed to disk, then renamed over the target in one step. A temporary file's name says who writes
/// it (<c>TARGET.PID.GUID.HOST.tmp</c>), so one that a killed process left behind can be told from one that a live
/// process, perhaps a Slurm task on another node sharing the run directory, is still writing
/// (<see cref="RemoveStale"/>).
/// </summary>
public static partial class AtomicFile
{
    /// <summary>This machine's name as temporary files carry it: letters, digits and '-' only.</summary>
    static readonly string Host = HostName();

    /// <param name="bytes">The file's size, or a lower bound of it, when known before writing (-1: unknown): a file system
    /// with less free space fails at once, before anything is written. A full disk found while writing is a
    /// <see cref="DiskFullException"/> naming the file and the bytes it needs, and the target is left as it was.</param>
    /// <returns>False, writing nothing, when <paramref name="overwrite"/> is false and the target exists: the
    /// rename is then a link(2), which fails rather than replaces, so of several processes creating one file at
    /// once exactly one succeeds.</returns>
    public static bool Write(string path, Action<Stream> write, bool overwrite = true, long bytes = -1)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        if (bytes >= 0) DiskFullException.Check(path, Path.GetFileName(path), bytes);
        string temp = TemporaryFor(path);
        long written = 0;
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                try
                {
                    write(stream);
                    stream.Flush(flushToDisk: true);
                }
                finally { written = stream.Position; }
            }
            try { File.Move(temp, path, overwrite); }
            catch (IOException) when (!overwrite && File.Exists(path)) { return false; }
            return true;
        }
        catch (IOException e) when (DiskFullException.Is(e) && e is not DiskFullException)
        {
            File.Delete(temp); // its room first, so the free space reported is what the file system has
            throw DiskFullException.For(path, Path.GetFileName(path), Math.Max(bytes, written), atLeast: written >= bytes);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static bool WriteAllText(string path, string text, bool overwrite = true) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); }, overwrite);

    /// <summary>
    /// Renames the finished folder <paramref name="temp"/> to <paramref name="path"/>: over an existing one when
    /// <paramref name="overwrite"/> (moved aside first, then deleted), else it returns false and leaves the existing one
    /// (another process made the same folder first).
    /// </summary>
    public static bool MoveFolder(string temp, string path, bool overwrite)
    {
        string? old = null;
        if (Directory.Exists(path))
        {
            if (!overwrite) return false;
            Directory.Move(path, old = TemporaryFor(path));
        }
        try { Directory.Move(temp, path); }
        catch (IOException) when (!overwrite && Directory.Exists(path)) { return false; }
        if (old is not null) Directory.Delete(old, recursive: true);
        return true;
    }

    /// <summary>A new temporary file name beside <paramref name="path"/> that names this process and machine.</summary>
    public static string TemporaryFor(string path) => $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.{Host}.tmp";

    /// <summary>
    /// Deletes the temporary files under <paramref name="folders"/> (and their subfolders) that no live process is
    /// writing: with <paramref name="all"/>, every <c>*.tmp</c> (the caller holds every writer of these folders out,
    /// see <see cref="StageLock"/>); otherwise those whose writer ran on this machine and is gone. A temporary file
    /// written on another machine is left to that machine or to a holder of the whole stage, since its process
    /// cannot be seen from here. A temporary folder (an image set being written, Data.ImageSetWriter) goes the same way,
    /// with what it holds. Returns the number deleted.
    /// </summary>
    public static int RemoveStale(IEnumerable<string> folders, bool all)
    {
        int removed = 0;
        var walk = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true };
        foreach (string folder in folders.Where(Directory.Exists))
        {
            List<string> temps, folderTemps;
            try
            {
                folderTemps = Directory.EnumerateDirectories(folder, "*.tmp", walk).ToList();
                temps = Directory.EnumerateFiles(folder, "*.tmp", walk).ToList();
            }
            catch (DirectoryNotFoundException) { continue; } // removed meanwhile (the embed stage clears its chunks)
            foreach (string temp in folderTemps.Where(t => Directory.Exists(t) && (all || WriterIsGone(Path.GetFileName(t)))))
            {
                Directory.Delete(temp, recursive: true);
                removed++;
            }
            foreach (string temp in temps.Where(t => File.Exists(t) && (all || WriterIsGone(Path.GetFileName(t)))))
            {
                File.Delete(temp);
                removed++;
            }
        }
        return removed;
    }

    /// <summary>True when <paramref name="name"/> is a temporary of <see cref="TemporaryFor"/>'s form (or the form before
    /// it carried the machine, taken as this one) whose process, on this machine, has ended.</summary>
    static bool WriterIsGone(string name)
    {
        var match = TemporaryName().Match(name);
        if (!match.Success || !int.TryParse(match.Groups["pid"].Value, out int pid)) return false;
        if (match.Groups["host"].Success && match.Groups["host"].Value != Host) return false;
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return true; } // no such process
    }

    [GeneratedRegex(@"\.(?<pid>\d+)\.[0-9a-f]{32}(\.(?<host>[A-Za-z0-9-]+))?\.tmp$")]
    private static partial Regex TemporaryName();

    static string HostName()
    {
        string name = new([.. Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);
        return name.Length > 0 ? name : "host";
    }
}
