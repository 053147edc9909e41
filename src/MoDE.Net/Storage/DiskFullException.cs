namespace MoDE.Storage;

/// <summary>
/// A write that found no room on its file system, as one line: "PATH: disk full while writing WHAT: needs N bytes, F
/// free". The one place that recognises a full disk (<see cref="Is"/>: ENOSPC, errno 28 in statvfs(3) terms, as .NET
/// reports it on Unix in <see cref="Exception.HResult"/>; ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows) and
/// reads the free space (<see cref="DriveInfo.AvailableFreeSpace"/>, statvfs on Unix). Writers catch a full disk where
/// they know what they were writing, and check the free space before a write whose size they know (<see cref="Check"/>).
/// </summary>
public sealed class DiskFullException(string path, string what, long needed, long free, bool atLeast = false)
    : IOException($"{path}: disk full while writing {what}: needs {(atLeast ? "more than " : "")}{needed.ToString("N0", Culture)} bytes, " +
                  (free >= 0 ? $"{free.ToString("N0", Culture)} free" : "free space unknown"))
{
    static readonly System.Globalization.CultureInfo Culture = System.Globalization.CultureInfo.InvariantCulture;

    /// <summary>The file or folder written.</summary>
    public string Path { get; } = path;

    /// <summary>True when <paramref name="e"/> says the disk is full (this exception included).</summary>
    public static bool Is(Exception e) => e is DiskFullException || (e is IOException && (e.HResult & 0xFFFF) is 28 or 39 or 112);

    /// <summary>The error for <paramref name="path"/>, with the free space of its file system now.</summary>
    public static DiskFullException For(string path, string what, long needed, bool atLeast = false) => new(path, what, needed, Free(path), atLeast);

    /// <summary>Throws before writing when the file system of <paramref name="path"/> has fewer than <paramref name="needed"/> bytes free.</summary>
    public static void Check(string path, string what, long needed)
    {
        long free = Free(path);
        if (free >= 0 && free < needed) throw new DiskFullException(path, what, needed, free);
    }

    /// <summary>Bytes free to this user on the file system holding <paramref name="path"/> (or its nearest existing folder); -1 when it cannot be read.</summary>
    public static long Free(string path)
    {
        string? existing = System.IO.Path.GetFullPath(path);
        while (existing is not null && !Directory.Exists(existing)) existing = System.IO.Path.GetDirectoryName(existing);
        if (existing is null) return -1;
        try { return new DriveInfo(existing).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return -1; }
    }
}
