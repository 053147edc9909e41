using System.Diagnostics;

namespace MoDE.Slurm;

/// <summary>
/// The Slurm client commands (<c>sbatch</c>, <c>scontrol</c>) run as child processes, and the shell quoting of
/// the lines written into sbatch files.
/// </summary>
public static class SlurmCommand
{
    /// <summary>True when <paramref name="program"/> is on the PATH.</summary>
    public static bool Available(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));

    /// <summary>Runs <paramref name="program"/> and returns its standard output; throws with its standard error when it fails.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result.Trim()}");
        return stdout;
    }

    /// <summary>Submits <paramref name="script"/> with <c>sbatch --parsable</c> and returns the job id.</summary>
    public static string Submit(string script, params string[] flags)
    {
        string output = Run("sbatch", [.. flags, "--parsable", script]).Trim();
        string id = output.Split(';')[0];
        if (id.Length == 0 || !id.All(char.IsAsciiDigit)) throw new InvalidOperationException($"sbatch {script}: unexpected answer '{output}'");
        return id;
    }
}
