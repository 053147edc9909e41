using System.Diagnostics;
using System.Text;

namespace MoDE.Tests;

/// <summary>A program the tests run to prepare the machine (apt-get, scripts/slurm-local.sh): its exit code and everything it
/// printed; and the <c>mode</c> CLI as a second process, for tests of locks and signals.</summary>
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

    /// <summary>The <c>mode</c> CLI built beside the tests (<c>dotnet mode.dll</c>), started with <paramref name="arguments"/>
    /// in the background: a real second process, with its own pid, locks and signal handlers.</summary>
    public static Running StartMode(params string[] arguments)
    {
        var start = new ProcessStartInfo(Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])[ModeDll, .. arguments]) start.ArgumentList.Add(a);
        return new Running(Process.Start(start) ?? throw new InvalidOperationException("mode did not start"));
    }

    /// <summary>The <c>mode</c> CLI built beside the tests, run to its end in a process of its own.</summary>
    public static (int ExitCode, string Output) RunMode(params string[] arguments) => Run(Dotnet, [ModeDll, .. arguments]);

    static string Dotnet => Environment.ProcessPath!.EndsWith("dotnet") ? Environment.ProcessPath : "dotnet";

    static string ModeDll => Path.Combine(AppContext.BaseDirectory, "mode.dll");

    /// <summary>A started process whose standard output and error are collected, interleaved, as they come.</summary>
    public sealed class Running : IDisposable
    {
        readonly StringBuilder _output = new();

        public Running(Process process)
        {
            Process = process;
            DataReceivedEventHandler append = (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
            process.OutputDataReceived += append;
            process.ErrorDataReceived += append;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Output { get { lock (_output) return _output.ToString(); } }

        /// <summary>Waits until <paramref name="ready"/> holds or the process ends; false when it ended first.</summary>
        public bool WaitUntil(Func<bool> ready)
        {
            while (!ready())
            {
                if (Process.HasExited) return ready();
                Thread.Sleep(5);
            }
            return true;
        }

        /// <summary>Sends SIGTERM, as scancel and systemd do.</summary>
        public void Terminate() => Run("kill", ["-TERM", Process.Id.ToString()]);

        /// <summary>Waits for the end (streams read to their end too) and returns the exit code, or null after <paramref name="limit"/>.</summary>
        public int? WaitForExit(TimeSpan limit)
        {
            if (!Process.WaitForExit(limit)) return null;
            Process.WaitForExit();
            return Process.ExitCode;
        }

        public void Dispose()
        {
            if (!Process.HasExited) { Process.Kill(); Process.WaitForExit(); }
            Process.Dispose();
        }
    }

    /// <summary>The command line as a reader would type it, for messages.</summary>
    public static string Describe(string program, IEnumerable<string> arguments) => string.Join(' ', [program, .. arguments]);
}
