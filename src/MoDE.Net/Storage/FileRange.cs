using Microsoft.Win32.SafeHandles;

namespace MoDE.Storage;

/// <summary>A range of a file read with positioned reads (pread), which share no file position, so any thread may read any range.</summary>
public static class FileRange
{
    /// <summary>
    /// Fills <paramref name="destination"/> from <paramref name="offset"/> of <paramref name="file"/>, read after read (a
    /// positioned read may return less than asked); returns the bytes read, fewer only where the file ends first.
    /// </summary>
    public static int Read(SafeFileHandle file, Span<byte> destination, long offset)
    {
        int done = 0;
        for (int n; done < destination.Length && (n = RandomAccess.Read(file, destination[done..], offset + done)) > 0;) done += n;
        return done;
    }
}
