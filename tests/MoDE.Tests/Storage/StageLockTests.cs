using System.Diagnostics;
using MoDE.Cluster;
using MoDE.Storage;

namespace MoDE.Tests.Storage;

/// <summary>
/// A run directory's units of work: a whole stage excludes every other holder of it, parts of a stage (Slurm tasks)
/// run side by side, a refusal names the holder, options of unfinished work are never mixed, and temporary files of
/// killed writers are removed without touching those of live ones. flock locks belong to an open file, so two holds
/// in this one process conflict exactly as two processes' would.
/// </summary>
public sealed class StageLockTests : IDisposable
{
    readonly RunLayout run = new(Directory.CreateTempSubdirectory("mode-lock").FullName);

    /// <summary>A stage with no requirements writing work/out.bin.</summary>
    static readonly Stage Work = new("work", [], r => [Path.Combine(r.Root, "work", "out.bin")]);

    public void Dispose() => Directory.Delete(run.Root, recursive: true);

    [Fact]
    [Trait("Hostile", "class6")]
    public void AWholeStageIsRefusedToASecondHolderNamingTheFirst()
    {
        using (Work.Hold(run))
        {
            var whole = Assert.Throws<InvalidOperationException>(() => Work.Hold(run));
            Assert.Contains(run.Lock("work"), whole.Message);
            Assert.Contains($"pid {Environment.ProcessId}", whole.Message);
            Assert.DoesNotContain('\n', whole.Message);
            var part = Assert.Throws<InvalidOperationException>(() => Work.Hold(run, "a"));
            Assert.Contains($"pid {Environment.ProcessId}", part.Message);
        }
        Work.Hold(run).Dispose(); // released with the hold
        Assert.False(File.Exists(run.LockHolder("work")));
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void PartsRunTogetherButNotTwiceAndTheWholeStageWaitsForThemAll()
    {
        using var a = Work.Hold(run, "a");
        using (Work.Hold(run, "b")) { } // another part: as two Slurm tasks
        var again = Assert.Throws<InvalidOperationException>(() => Work.Hold(run, "a"));
        Assert.Contains("stage 'work' (a)", again.Message);
        var whole = Assert.Throws<InvalidOperationException>(() => Work.Hold(run));
        Assert.Contains($"pid {Environment.ProcessId}", whole.Message); // named from part a's holder file
        Assert.Equal("work.chunks-1-3", StageLock.Unit("work", "chunks 1/3"));
        Assert.Equal("work.---etc", StageLock.Unit("work", "../etc")); // a part names a file inside locks/, never outside
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void UnfinishedWorkStartedWithOtherOptionsIsRefusedNamingTheFieldUntilTheStageFinishes()
    {
        var options = new ClusterOptions { FineClusters = 16 };
        StageMarker.MarkStarted(run, "work", options);
        StageMarker.MarkStarted(run, "work", options with { }); // a second Slurm task with the same options
        Assert.False(Work.IsDoneWith(run, options));
        var error = Assert.Throws<InvalidOperationException>(() => StageMarker.MarkStarted(run, "work", options with { FineClusters = 32 }));
        Assert.Contains("FineClusters: 16 -> 32", error.Message);
        Assert.Contains("started with other options", error.Message);
        Assert.Contains(Path.Combine(run.Root, "work"), error.Message); // what to delete to start over
        Assert.Throws<InvalidOperationException>(() => Work.Begin(run, options with { FineClusters = 32 }, TextWriter.Null));
        Assert.Contains("\"FineClusters\": 16", File.ReadAllText(run.Started("work")));

        StageMarker.MarkDone(run, "work", options);
        Assert.False(File.Exists(run.Started("work")));
        Assert.Null(Work.Begin(run, options, TextWriter.Null)); // finished: skipped
    }

    [Fact]
    public void AFileWrittenOnlyIfAbsentIsWrittenOnce()
    {
        string path = Path.Combine(run.Root, "once.txt");
        Assert.True(AtomicFile.WriteAllText(path, "first", overwrite: false));
        Assert.False(AtomicFile.WriteAllText(path, "second", overwrite: false));
        Assert.Equal("first", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(run.Root));
    }

    [Fact]
    [Trait("Hostile", "class6")]
    public void TemporariesOfGoneWritersAreRemovedThoseOfLiveOrRemoteOnesOnlyByTheWholeStage()
    {
        string target = Path.Combine(run.Root, "work", "sub", "out.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        int gone = Ended();
        using var sleeper = Process.Start("sleep", "60");
        string Temporary(int pid, string? host = null)
        {
            string name = AtomicFile.TemporaryFor(target).Replace($".{Environment.ProcessId}.", $".{pid}.");
            if (host is not null) name = name[..name.LastIndexOf('.', name.Length - 5)] + $".{host}.tmp";
            File.WriteAllText(name, "half a file");
            return name;
        }
        string dead = Temporary(gone), live = Temporary(sleeper.Id), remote = Temporary(gone, "another-node"), mine = Temporary(Environment.ProcessId);
        string legacy = target + $".{gone}.{Guid.NewGuid():N}.tmp"; // the name before temporaries carried the machine
        File.WriteAllText(legacy, "half a file");
        string foreign = target + ".1234.abc.tmp";
        File.WriteAllText(foreign, "half a file");

        Work.Hold(run, "a").Dispose(); // a part: only what gone writers on this machine left
        Assert.False(File.Exists(dead));
        Assert.False(File.Exists(legacy));
        Assert.All([live, remote, mine, foreign], f => Assert.True(File.Exists(f), $"{f} was removed"));

        Work.Hold(run).Dispose(); // the whole stage: no writer of its folders can be running
        Assert.Empty(Directory.GetFiles(run.Root, "*.tmp", SearchOption.AllDirectories));
        sleeper.Kill();
    }

    /// <summary>The pid of a process that has ended.</summary>
    static int Ended()
    {
        using var process = Process.Start("true");
        process.WaitForExit();
        return process.Id;
    }
}
