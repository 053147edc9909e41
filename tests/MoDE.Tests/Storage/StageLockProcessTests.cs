using MoDE.Storage;

namespace MoDE.Tests.Storage;

/// <summary>
/// The run directory's lock between real processes: a second <c>mode</c> on a stage another one is working on is
/// refused at once in one line naming the holder, and a holder killed with SIGKILL leaves nothing locked.
/// </summary>
public sealed class StageLockProcessTests : IClassFixture<DejaVuFonts>, IDisposable
{
    readonly RunLayout run = new(Directory.CreateTempSubdirectory("mode-lock-process").FullName);

    public void Dispose() => Directory.Delete(run.Root, recursive: true);

    [Fact]
    [Trait("Hostile", "class6")]
    public void ASecondProcessIsRefusedNamingTheHolderAndAKilledHolderLeavesTheRunFree()
    {
        // Long enough to be killed in the middle: the synthetic pairs take seconds to render.
        using var holder = ChildProcess.StartMode("ingest", "--run", run.Root, "--pairs", "60000", "--image-size", "16");
        Assert.True(holder.WaitUntil(() => HolderPid() == holder.Process.Id), $"the first mode never held the ingest stage:\n{holder.Output}");

        var (code, output) = ChildProcess.RunMode("ingest", "--run", run.Root, "--pairs", "60000", "--image-size", "16");
        Assert.Equal(1, code);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("mode ingest: ", output);
        Assert.Contains($"pid {holder.Process.Id}", output);
        Assert.Contains("ingest --run", output); // the holder's command line
        Assert.DoesNotContain("   at ", output);
        Assert.False(holder.Process.HasExited, "the refused process must leave the holder alone");

        holder.Process.Kill(); // SIGKILL: no cleanup of any kind
        holder.Process.WaitForExit();
        Assert.True(File.Exists(run.LockHolder("ingest"))); // what the killed holder left names a pid that is gone

        var again = ChildProcess.RunMode("ingest", "--run", run.Root, "--pairs", "50", "--image-size", "16");
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.True(File.Exists(run.Done("ingest")));
        Assert.False(File.Exists(run.LockHolder("ingest")));
    }

    int? HolderPid()
    {
        try { return System.Text.Json.JsonSerializer.Deserialize<StageLock.Holder>(File.ReadAllText(run.LockHolder("ingest")))?.Pid; }
        catch (IOException) { return null; }
        catch (System.Text.Json.JsonException) { return null; }
    }
}
