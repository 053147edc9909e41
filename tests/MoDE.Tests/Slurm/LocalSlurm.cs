using MoDE.Slurm;

namespace MoDE.Tests.Slurm;

/// <summary>
/// A single-node Slurm on localhost for the Slurm tests: started with <c>scripts/slurm-local.sh start</c> (as root;
/// it installs Slurm if missing) unless a Slurm already answers, and stopped at the end only when this fixture
/// started it. A failed start fails the tests that call <see cref="Require"/> with the script's output; they never skip.
/// </summary>
public sealed class LocalSlurm : IDisposable
{
    readonly bool started;
    readonly string? failure;

    public LocalSlurm()
    {
        if (NodeState() is null) return; // already up (started by hand or by .ci/run): left running at the end
        started = true;
        try
        {
            (int exit, string output) = Script("start");
            if (exit != 0) failure = $"`scripts/slurm-local.sh start` failed (exit {exit}):\n{output}";
        }
        catch (Exception e)
        {
            failure = $"`scripts/slurm-local.sh start` did not run: {e.Message}";
        }
    }

    /// <summary>Fails the calling test unless a Slurm node is up.</summary>
    public void Require()
    {
        if (failure is not null) Assert.Fail(failure);
        if (NodeState() is { } problem) Assert.Fail(problem);
    }

    public void Dispose()
    {
        if (started) Script("stop");
    }

    static (int ExitCode, string Output) Script(string command)
    {
        string script = Path.Combine(Repository.Root, "scripts", "slurm-local.sh");
        // The script may apt-get install Slurm and munge, so it waits for any install of the tests.
        lock (Apt.Lock) return ChildProcess.Run("bash", [script, command]);
    }

    /// <summary>Null when a node is up; otherwise why not.</summary>
    static string? NodeState()
    {
        if (!SlurmCommand.Available("sinfo")) return "Slurm is not installed or not on PATH";
        string nodes;
        try { nodes = SlurmCommand.Run("sinfo", "-h", "-o", "%T"); }
        catch (InvalidOperationException e) { return $"Slurm does not answer ({e.Message})"; }
        return nodes.Split('\n').Any(s => s.Trim() is "idle" or "mixed" or "allocated") ? null : $"no Slurm node is up (sinfo: {nodes.Trim()})";
    }
}

[CollectionDefinition(Name)]
public sealed class LocalSlurmCollection : ICollectionFixture<LocalSlurm>
{
    public const string Name = "slurm";
}
