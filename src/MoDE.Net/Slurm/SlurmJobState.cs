namespace MoDE.Slurm;

/// <summary>
/// What Slurm says about one job or array task (<c>scontrol show job -o</c>, which keeps finished jobs for
/// MinJobAge; then <c>sacct</c> when accounting is on). Null when Slurm no longer knows the job.
/// </summary>
public static class SlurmJobState
{
    /// <summary>The job's state (PENDING, RUNNING, COMPLETED, FAILED, ...), or null when Slurm does not know it.</summary>
    public static string? Query(string id)
    {
        if (SlurmCommand.Available("scontrol"))
        {
            try
            {
                string line = SlurmCommand.Run("scontrol", "show", "job", "-o", id);
                string? state = Field(line, "JobState");
                if (state is not null) return state;
            }
            catch (InvalidOperationException) { } // "Invalid job id": purged from slurmctld's memory
        }
        if (SlurmCommand.Available("sacct"))
        {
            try
            {
                string output = SlurmCommand.Run("sacct", "-n", "-P", "-X", "-o", "State", "-j", id);
                string? first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (first is not null) return first.Split(' ')[0].Trim();
            }
            catch (InvalidOperationException) { } // accounting storage disabled
        }
        return null;
    }

    /// <summary>The value of <c>Name=value</c> in one line of <c>scontrol -o</c> output.</summary>
    static string? Field(string line, string name)
    {
        foreach (string word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            if (word.StartsWith(name + "=", StringComparison.Ordinal)) return word[(name.Length + 1)..];
        return null;
    }
}
