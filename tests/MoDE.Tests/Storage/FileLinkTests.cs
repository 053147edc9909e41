using MoDE.Run;
using MoDE.Split;
using MoDE.Storage;
using Xunit;

namespace MoDE.Tests.Storage;

/// <summary><see cref="FileLink"/>: one file under two names on one file system, a copy across file systems, and an
/// atomic rewrite of either name leaves the other as it was; <see cref="Ablation.CopyData"/> shares a run's data that way.</summary>
public sealed class FileLinkTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("mode-link").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Writes into the existing file, as no stage does: only a second name for the same file sees it.</summary>
    static void OverwriteInPlace(string path, byte value)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write);
        stream.WriteByte(value);
    }

    [Fact]
    public void LinksOnOneFileSystemAndAnAtomicRewriteSeparatesTheNames()
    {
        string from = Path.Combine(_root, "a", "images.npy"), to = Path.Combine(_root, "b", "pairs", "images.npy");
        Directory.CreateDirectory(Path.GetDirectoryName(from)!);
        File.WriteAllBytes(from, [1, 2, 3, 4]);

        Assert.Equal(0, FileLink.LinkOrCopy(from, to)); // nothing copied
        OverwriteInPlace(from, 9);
        Assert.Equal([9, 2, 3, 4], File.ReadAllBytes(to)); // the same file

        AtomicFile.Write(to, s => s.Write([7, 7]));
        Assert.Equal([9, 2, 3, 4], File.ReadAllBytes(from));
        Assert.Equal([7, 7], File.ReadAllBytes(to));

        // An existing target is kept, a missing source does nothing.
        File.WriteAllBytes(from, [5]);
        Assert.Equal(0, FileLink.LinkOrCopy(from, to));
        Assert.Equal([7, 7], File.ReadAllBytes(to));
        Assert.Equal(0, FileLink.LinkOrCopy(Path.Combine(_root, "missing"), Path.Combine(_root, "c")));
        Assert.False(File.Exists(Path.Combine(_root, "c")));
    }

    [Fact]
    public void CopiesWhereTheFileSystemsDiffer()
    {
        // /dev/shm is a tmpfs, the temporary folder is on the disk: link(2) fails with EXDEV.
        string shared = Directory.CreateTempSubdirectory("mode-link").FullName;
        var memory = new DirectoryInfo("/dev/shm").CreateSubdirectory($"mode-link-{Guid.NewGuid():N}");
        try
        {
            string from = Path.Combine(memory.FullName, "captions.npy"), to = Path.Combine(shared, "embed", "captions.npy");
            File.WriteAllBytes(from, [1, 2, 3]);
            Assert.Equal(3, FileLink.LinkOrCopy(from, to));
            OverwriteInPlace(from, 9);
            Assert.Equal([1, 2, 3], File.ReadAllBytes(to)); // a copy
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(to)!, "*.tmp"));
        }
        finally
        {
            memory.Delete(recursive: true);
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public void AblationVariantsShareTheBaseRunsDataButNotItsLocksChunksOrLaterStages()
    {
        var from = new RunLayout(Path.Combine(_root, "base"));
        var to = new RunLayout(Path.Combine(_root, "variant"));
        string[] data = [from.Pairs, Path.Combine(from.Images, "00000.npy"), from.CaptionEmbeddings, from.Done("ingest"), from.Done("embed")];
        string[] left = [from.Lock("ingest"), Path.Combine(from.Root, "embed", "chunks", "00000.npy"), from.Hierarchy, from.Model(RunModels.Seed)];
        foreach (string file in data.Concat(left))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, Path.GetRelativePath(from.Root, file));
        }

        Assert.Equal(0, Ablation.CopyData(from, to));
        foreach (string file in data)
        {
            string there = Path.Combine(to.Root, Path.GetRelativePath(from.Root, file));
            OverwriteInPlace(file, (byte)'#');
            Assert.StartsWith("#", File.ReadAllText(there)); // linked, not copied
        }
        foreach (string file in left) Assert.False(File.Exists(Path.Combine(to.Root, Path.GetRelativePath(from.Root, file))), file);
        Assert.False(Directory.Exists(to.Locks));
    }
}
