using System.IO.Enumeration;
using System.Runtime.InteropServices;

namespace MoDE.Data.Ingest;

/// <summary>
/// How ingest touches the files a source names (images, caption sidecars, shards, manifests): only regular files
/// are opened, so a FIFO never blocks the reading thread and a device such as <c>/dev/zero</c> (whose length reads
/// as 0) is never read; every whole-file read stops one byte past its limit, so a file that grows while it is read
/// cannot take more memory than the limit; folders are walked without entering folders reached through a symbolic
/// link, so a link loop cannot repeat the tree.
/// </summary>
public static partial class SourceFile
{
    /// <summary>What a path is, following symbolic links.</summary>
    public enum Kind { Missing, Regular, Other }

    /// <summary>
    /// What <paramref name="path"/> is. On Linux from <c>statx(2)</c>'s file type (the BCL reports FIFOs and devices
    /// as ordinary files, of length 0); elsewhere from <see cref="File.Exists"/>.
    /// </summary>
    public static Kind KindOf(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            var status = new StatxBuffer();
            try
            {
                // an error (also a folder that cannot be searched) leaves nothing to read
                if (Statx(AtCurrentFolder, path, 0, StatxType, ref status) != 0) return Kind.Missing;
                return (status.Mode & FileTypeMask) == RegularFileType ? Kind.Regular : Kind.Other;
            }
            catch (EntryPointNotFoundException) { } // a C library older than glibc 2.28
        }
        return File.Exists(path) ? Kind.Regular : Directory.Exists(path) ? Kind.Other : Kind.Missing;
    }

    /// <summary>
    /// Opens a regular file for reading; throws <see cref="IOException"/> naming the path when it is anything else
    /// (checked before it is opened).
    /// </summary>
    public static FileStream OpenRead(string path) => KindOf(path) switch
    {
        Kind.Regular => File.OpenRead(path),
        Kind.Missing => throw new FileNotFoundException($"{path}: no such file", path),
        _ => throw new IOException($"{path}: not a regular file"),
    };

    /// <summary>
    /// Reads a whole regular file of at most <paramref name="maxBytes"/> bytes into <paramref name="bytes"/>; else
    /// the reason it was not read (<paramref name="missing"/>, <see cref="SkipReason.NotARegularFile"/>, or
    /// <paramref name="tooLarge"/>) with a detail. Never holds more than <paramref name="maxBytes"/> + 1 bytes.
    /// </summary>
    public static (SkipReason Reason, string Detail)? Read(string path, long maxBytes, SkipReason missing, SkipReason tooLarge, out byte[] bytes)
    {
        bytes = [];
        switch (KindOf(path))
        {
            case Kind.Missing: return (missing, path);
            case Kind.Other: return (SkipReason.NotARegularFile, path);
        }
        using var stream = File.OpenRead(path);
        long limit = maxBytes + 1; // one byte past the limit tells a file over it
        var buffer = new byte[Math.Min(stream.Length, limit)];
        int total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                // the file may hold more than its length said (it grew, or reports none, as /proc does): read on to the limit
                if (total == limit || stream.ReadByte() is not (>= 0 and var next)) break;
                Array.Resize(ref buffer, (int)Math.Min(Math.Max(2L * total, 4096), limit));
                buffer[total++] = (byte)next;
                continue;
            }
            int read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0) break;
            total += read;
        }
        if (total > maxBytes) return (tooLarge, $"{path}: more than {maxBytes} bytes");
        bytes = total == buffer.Length ? buffer : buffer[..total];
        return null;
    }

    /// <summary>
    /// Every file under <paramref name="root"/>, subfolders included, in ordinal path order, without entering a
    /// folder reached through a symbolic link (a link to a file is listed).
    /// </summary>
    public static List<string> Under(string root)
    {
        var files = new FileSystemEnumerable<string>(root, (ref FileSystemEntry e) => e.ToFullPath(),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory,
            ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        return files.Order(StringComparer.Ordinal).ToList();
    }

    const int AtCurrentFolder = -100;
    const uint StatxType = 1;
    const ushort FileTypeMask = 0xF000, RegularFileType = 0x8000;

    /// <summary><c>struct statx</c> (linux/stat.h): the same layout on every architecture, 256 bytes; only the mode is read.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    struct StatxBuffer
    {
        [FieldOffset(28)] public ushort Mode;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int folder, string path, int flags, uint mask, ref StatxBuffer status);
}
