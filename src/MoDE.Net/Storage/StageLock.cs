using System.Diagnostics;
using System.Text.Json;

namespace MoDE.Storage;

/// <summary>
/// A process's hold on one unit of work of a run directory, so a second process cannot work on it at the same time:
/// a whole stage, or one part of a stage that Slurm tasks run side by side (one model of the train stage, one share
/// of the embed chunks). A whole stage holds its lock file exclusively; a part holds the stage's file shared and its
/// own exclusively, so parts run together while a whole stage and its parts exclude each other.
/// <para>The locks are flock(2) locks, which .NET's FileStream takes on Unix (FileShare.None: exclusive; read-only
/// access shared with others: shared; see the .NET documentation of FileShare on Unix). The kernel drops them when the
/// process ends, however it ends (kill -9 included), so a killed holder never leaves a run locked. They are advisory:
/// only processes that ask for them are kept out, and a file system without flock (Lustre mounted without
/// <c>flock</c>) or <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c> turns them off.</para>
/// <para>Beside each lock a JSON file names its holder (pid, machine, command line, start), which the refusal a second
/// process gets quotes: a locked file cannot be read, even by the process that holds it.</para>
/// </summary>
public sealed class StageLock : IDisposable
{
    /// <summary>Who holds a unit.</summary>
    public sealed record Holder(int Pid, string Host, string Command, DateTime Started);

    readonly FileStream[] _files;
    readonly string _holderFile;

    StageLock(FileStream[] files, string holderFile)
    {
        _files = files;
        _holderFile = holderFile;
    }

    /// <summary>The unit's name: the stage, or "stage.part" with the part's characters other than letters, digits,
    /// '_' and '-' made '-' (a part comes from the command line and names a file).</summary>
    public static string Unit(string stage, string? part) =>
        part is null ? stage : $"{stage}.{new string([.. part.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '-')])}";

    /// <summary>
    /// Holds <paramref name="stage"/> (all of it) or its <paramref name="part"/>, or throws
    /// <see cref="InvalidOperationException"/> at once, in one line naming the lock file and who holds it.
    /// </summary>
    public static StageLock Acquire(RunLayout run, string stage, string? part = null)
    {
        string unit = Unit(stage, part), what = part is null ? $"stage '{stage}'" : $"stage '{stage}' ({part})";
        Directory.CreateDirectory(Path.GetDirectoryName(run.Lock(unit))!);
        var files = new List<FileStream>();
        try
        {
            // A whole stage: its file exclusively, which fails while any part holds it shared. A part: the stage's file
            // shared, then its own exclusively.
            files.Add(Take(run, stage, exclusive: part is null, part is null ? [stage, stage + ".*"] : [stage], what));
            if (part is not null) files.Add(Take(run, unit, exclusive: true, [unit], what));
            string command = string.Join(' ', Environment.GetCommandLineArgs()).ReplaceLineEndings(" ");
            AtomicFile.WriteAllText(run.LockHolder(unit), JsonSerializer.Serialize(
                new Holder(Environment.ProcessId, Environment.MachineName, command.Length > 300 ? command[..300] + "..." : command, DateTime.UtcNow)));
            return new StageLock([.. files], run.LockHolder(unit));
        }
        catch
        {
            foreach (var file in files) file.Dispose();
            throw;
        }
    }

    /// <summary>Opens the lock file of <paramref name="lockUnit"/>; when another process holds it, throws naming the
    /// holders recorded for <paramref name="holderUnits"/> (file name patterns under the locks folder).</summary>
    static FileStream Take(RunLayout run, string lockUnit, bool exclusive, string[] holderUnits, string what)
    {
        string path = run.Lock(lockUnit);
        try
        {
            return exclusive
                ? new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
                : new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            var holders = holderUnits.SelectMany(u => Directory.EnumerateFiles(Path.GetDirectoryName(path)!, Path.GetFileName(run.LockHolder(u))))
                .Select(Read).OfType<Holder>().Where(IsAlive).ToList();
            string who = holders.Count == 0 ? "another process"
                : string.Join("; ", holders.Select(h => $"pid {h.Pid} on {h.Host} since {h.Started:yyyy-MM-dd HH:mm:ss} UTC ({h.Command})"));
            string stop = holders.Count == 1 ? $"kill -TERM {holders[0].Pid} on {holders[0].Host}" : "Ctrl+C or kill -TERM";
            throw new InvalidOperationException(
                $"{path}: {what} of this run is being worked on by {who}; wait for it to end, or stop it ({stop}) and run this again", e);
        }
    }

    /// <summary>The error flock(2) gives for a file another process has locked: EWOULDBLOCK (11 on Linux, 35 on macOS),
    /// which .NET raises as a plain IOException carrying the errno; ERROR_SHARING_VIOLATION on Windows.</summary>
    static bool IsHeldElsewhere(IOException e) => e.GetType() == typeof(IOException) && e.HResult is 11 or 35 or unchecked((int)0x80070020);

    static Holder? Read(string path)
    {
        try { return JsonSerializer.Deserialize<Holder>(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or JsonException) { return null; } // removed, or being replaced, meanwhile
    }

    /// <summary>False for a holder file a killed process left on this machine: its pid has ended.</summary>
    static bool IsAlive(Holder holder)
    {
        if (holder.Host != Environment.MachineName) return true; // cannot be seen from here
        try
        {
            using var process = Process.GetProcessById(holder.Pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }

    /// <summary>Releases the unit: its holder file goes first, then the locks.</summary>
    public void Dispose()
    {
        try { File.Delete(_holderFile); }
        catch (DirectoryNotFoundException) { } // the run directory was removed meanwhile
        foreach (var file in _files) file.Dispose();
    }
}
