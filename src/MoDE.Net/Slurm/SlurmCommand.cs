using System.Diagnostics;
using System.Reflection;

namespace MoDE.Slurm;

/// <summary>
/// The Slurm client commands (<c>sbatch</c>, <c>scontrol</c>) run as child processes, and the shell quoting of
/// the lines written into sbatch files.
/// </summary>
public static class SlurmCommand
{
    /// <summary>The command line that starts this CLI again: the <c>mode</c> executable, or <c>dotnet mode.dll</c>.</summary>
    public static string Current()
    {
        string process = Environment.ProcessPath ?? "mode";
        string? assembly = Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && !string.IsNullOrEmpty(assembly)
            ? $"{Quote(process)} {Quote(assembly)}"
            : Quote(process);
    }

    /// <summary>A word for bash: single-quoted unless it holds only safe characters.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=:,@%+".Contains(c))
            ? word
            : "'" + word.Replace("'", "'\\''") + "'";

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
