using System.Runtime.InteropServices;

namespace MoDE.Storage;

/// <summary>
/// Gives a finished file of one run a second name in another run: a hard link where the file system allows one (no
/// bytes copied, no room taken, so an ablation's variants share one copy of a corpus's image shards and embeddings),
/// a copy where it does not (another file system, Windows). Sharing is safe because no stage writes into a file it
/// found: every write goes to a new temporary file renamed over the target (<see cref="AtomicFile"/>), which replaces one
/// name and leaves the file under the other name as it was; the one file appended to, a model's training log, is first
/// rewritten that way when it is opened (Train/TrainingLog.cs).
/// </summary>
public static partial class FileLink
{
    /// <summary>Links <paramref name="to"/> to <paramref name="from"/>, or copies it atomically where no link can be made;
    /// does nothing when <paramref name="from"/> is missing or <paramref name="to"/> exists. Returns the bytes copied
    /// (0 when linked or skipped).</summary>
    public static long LinkOrCopy(string from, string to)
    {
        if (!File.Exists(from) || File.Exists(to)) return 0;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
        if (!OperatingSystem.IsWindows() && Link(from, to) == 0) return 0;
        AtomicFile.Write(to, target => { using var source = File.OpenRead(from); source.CopyTo(target); }, bytes: new FileInfo(from).Length);
        return new FileInfo(to).Length;
    }

    /// <summary>link(2): 0, or -1 when the file systems differ (EXDEV), the file system has no hard links (EPERM) or the
    /// file has its most links (EMLINK); each of these falls back to a copy.</summary>
    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string created);
}
