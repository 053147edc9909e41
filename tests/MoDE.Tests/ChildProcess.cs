using System.Diagnostics;
using System.Text;

namespace MoDE.Tests;

/// <summary>A program the tests run to prepare the machine (apt-get, scripts/slurm-local.sh): its exit code and everything it printed.</summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="program"/> to its end; the output is standard output and standard error, interleaved as they came.</summary>
    public static (int ExitCode, string Output) Run(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit(); // also waits until both streams are read to their end
        lock (output) return (process.ExitCode, output.ToString().TrimEnd());
    }

    /// <summary>The command line as a reader would type it, for messages.</summary>
    public static string Describe(string program, IEnumerable<string> arguments) => string.Join(' ', [program, .. arguments]);
}
