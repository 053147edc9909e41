using MoDE.Storage;
using Xunit;

namespace MoDE.Tests.Storage;

/// <summary>A full disk is told from other I/O errors, and a write whose size is known fails before it starts when the disk has less room.</summary>
public sealed class DiskFullExceptionTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("mode-disk-full-unit").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    [Trait("Hostile", "class6")]
    public void AWriteToDevFullIsADiskFullAndOtherIOErrorsAreNot()
    {
        var full = Assert.ThrowsAny<IOException>(() =>
        {
            using var device = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            device.Write(new byte[4096]);
        });
        Assert.True(DiskFullException.Is(full), $"{full.GetType().Name} 0x{full.HResult:X}: {full.Message}");
        Assert.False(DiskFullException.Is(Assert.ThrowsAny<IOException>(() => File.ReadAllBytes(Path.Combine(folder, "missing")))));
        Assert.False(DiskFullException.Is(new IOException("other")));
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void AFileLargerThanTheFreeSpaceFailsInOneLineBeforeAnythingIsWritten()
    {
        string path = Path.Combine(folder, "sub", "checkpoint.pt");
        long free = DiskFullException.Free(folder);
        Assert.True(free > 0, $"free space of {folder}: {free}");
        bool called = false;
        var e = Assert.Throws<DiskFullException>(() => AtomicFile.Write(path, _ => called = true, bytes: free + (1L << 40)));
        Assert.False(called);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(path)}: disk full while writing checkpoint\.pt: needs [\d,]+ bytes, [\d,]+ free$", e.Message);
        Assert.Contains((free + (1L << 40)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Empty(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
    }
}
