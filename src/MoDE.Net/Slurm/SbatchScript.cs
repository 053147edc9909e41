using System.Text;
using MoDE.Storage;

namespace MoDE.Slurm;

/// <summary>
/// One plain sbatch file: the <c>#SBATCH</c> header from <see cref="SlurmOptions"/>, then a command run in the
/// background with USR1 (time limit near) and TERM (<c>scancel</c>, <c>scontrol requeue</c>) forwarded to it as TERM,
/// on which <c>mode</c> saves its checkpoint and exits. After USR1 the script requeues its own job, so the
/// task resumes from that checkpoint. The file is readable and can be resubmitted by hand with <c>sbatch</c>.
/// </summary>
public sealed record SbatchScript
{
    /// <summary>The job's name in <c>squeue</c>.</summary>
    public required string JobName { get; init; }

    /// <summary>One-line comment at the top of the file saying what the job does.</summary>
    public required string Purpose { get; init; }

    /// <summary>Log file pattern (<c>%j</c> job id, <c>%A_%a</c> array job and task), appended to across requeues.</summary>
    public required string Log { get; init; }

    /// <summary>Array range such as <c>0-3</c>; null: a single job.</summary>
    public string? Array { get; init; }

    /// <summary>Bash lines run before the command (e.g. setting a variable from <c>SLURM_ARRAY_TASK_ID</c>).</summary>
    public IReadOnlyList<string> Setup { get; init; } = [];

    /// <summary>The command, already quoted for bash.</summary>
    public required string Command { get; init; }

    /// <summary>Tasks of the job (<c>--ntasks</c>): 1 for MoDE's own commands; a distributed trainer started with <c>srun</c> runs one per GPU.</summary>
    public int Tasks { get; init; } = 1;

    /// <summary>A bash condition, already quoted, checked every <see cref="StopPollSeconds"/> s while the command runs: once it holds, the
    /// command is stopped (TERM) and the job ends as completed, for a trainer asked to stop part-way through its schedule. Null: none.</summary>
    public string? StopWhen { get; init; }

    /// <summary>The launcher named in the file's header: "slurm" (MoDE's own commands) or "open_clip".</summary>
    public string Launcher { get; init; } = "slurm";

    /// <summary>Seconds between two checks of <see cref="StopWhen"/>.</summary>
    public const int StopPollSeconds = 10;

    /// <summary>
    /// Checks, before a launcher writes anything, that its sbatch files can be written safely: the Slurm options
    /// (<see cref="SlurmOptions.Validate"/>), the run directory (its path goes into every log line and command) and
    /// the command that runs the CLI must hold no control character; a newline would end a line early and make the
    /// rest a shell line of its own.
    /// </summary>
    public static void Check(string runRoot, SlurmOptions slurm)
    {
        slurm.Validate();
        SlurmOptions.RequireOneLine(runRoot, "run", "The run directory");
        if (slurm.Mode.Length == 0) SlurmOptions.RequireOneLine(ModeCommand.Invocation, nameof(SlurmOptions.Mode), "The command running now");
    }

    /// <summary>
    /// One <c>#SBATCH</c> value or flag as one argument. sbatch is not a shell: it splits a <c>#SBATCH</c> line at
    /// white space, drops quote characters while keeping what they enclose as one argument, takes a backslash as
    /// escaping the next character, and ends the line at an unquoted <c>#</c>. So a value made only of letters,
    /// digits and <c>/._-=:,@%+</c> is written bare (as before); any other is written in double quotes, with
    /// <c>\</c> and <c>"</c> backslash-escaped, which sbatch reads back as exactly the given text.
    /// </summary>
    public static string Value(string value) =>
        ModeCommand.IsPlain(value)
            ? value
            : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>The file's text; throws <see cref="ArgumentException"/> if any value holds a control character.</summary>
    public string Render(SlurmOptions slurm)
    {
        slurm.Validate();
        SlurmOptions.RequireOneLine(JobName, nameof(JobName));
        SlurmOptions.RequireOneLine(Purpose, nameof(Purpose));
        SlurmOptions.RequireOneLine(Log, nameof(Log));
        if (Array is not null) SlurmOptions.RequireOneLine(Array, nameof(Array));
        foreach (string line in Setup) SlurmOptions.RequireOneLine(line, nameof(Setup));
        SlurmOptions.RequireOneLine(Command, nameof(Command));
        SlurmOptions.RequireOneLine(Launcher, nameof(Launcher));
        if (StopWhen is not null) SlurmOptions.RequireOneLine(StopWhen, nameof(StopWhen));
        ArgumentOutOfRangeException.ThrowIfLessThan(Tasks, 1, nameof(Tasks));

        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine($"# {Purpose}");
        s.AppendLine($"# Written by `mode --launcher {Launcher}`; resubmit by hand with `sbatch` (dependencies are given on the sbatch command line).");
        s.AppendLine($"#SBATCH --job-name={Value(JobName)}");
        s.AppendLine($"#SBATCH --output={Value(Log)}");
        s.AppendLine("#SBATCH --open-mode=append");
        if (Array is not null) s.AppendLine($"#SBATCH --array={Value(Array)}");
        s.AppendLine("#SBATCH --requeue");
        s.AppendLine($"#SBATCH --signal=B:USR1@{slurm.SignalSeconds}");
        s.AppendLine($"#SBATCH --ntasks={Tasks}");
        s.AppendLine($"#SBATCH --cpus-per-task={slurm.Cpus}");
        if (slurm.Gpus > 0) s.AppendLine($"#SBATCH --gpus-per-task={slurm.Gpus}");
        if (slurm.Memory.Length > 0) s.AppendLine($"#SBATCH --mem={Value(slurm.Memory)}");
        if (slurm.Partition.Length > 0) s.AppendLine($"#SBATCH --partition={Value(slurm.Partition)}");
        if (slurm.Time.Length > 0) s.AppendLine($"#SBATCH --time={Value(slurm.Time)}");
        if (slurm.Account.Length > 0) s.AppendLine($"#SBATCH --account={Value(slurm.Account)}");
        foreach (string flag in slurm.ExtraFlags) s.AppendLine($"#SBATCH {Value(flag)}");
        s.AppendLine();
        s.AppendLine("set -u");
        s.AppendLine("echo \"[$(date -u +%FT%TZ)] job ${SLURM_JOB_ID} task ${SLURM_ARRAY_TASK_ID:-none} restart ${SLURM_RESTART_COUNT:-0} on $(hostname)\"");
        foreach (string line in Setup) s.AppendLine(line);
        s.AppendLine($"{Command} &");
        s.AppendLine("child=$!");
        s.AppendLine("requeue=0");
        s.AppendLine("# Time limit near: mode saves its checkpoint and exits; then this job requeues itself and resumes.");
        s.AppendLine("trap 'echo \"USR1: checkpoint and requeue\"; requeue=1; kill -TERM $child 2>/dev/null' USR1");
        s.AppendLine("trap 'echo \"TERM: checkpoint and stop\"; kill -TERM $child 2>/dev/null' TERM");
        if (StopWhen is not null)
        {
            s.AppendLine("stopped=0");
            s.AppendLine("# Stop the command once its part of the schedule is done (the job then counts as completed).");
            s.AppendLine("while kill -0 $child 2>/dev/null; do");
            s.AppendLine($"  if {StopWhen}; then echo \"stop condition holds: stopping the command\"; stopped=1; kill -TERM $child 2>/dev/null; break; fi");
            s.AppendLine($"  sleep {StopPollSeconds}");
            s.AppendLine("done");
        }
        s.AppendLine("# `wait` returns when a trapped signal arrives; wait again until mode has saved and exited.");
        s.AppendLine("wait $child; status=$?");
        s.AppendLine("while kill -0 $child 2>/dev/null; do wait $child; status=$?; done");
        if (StopWhen is not null) s.AppendLine("if [ \"$stopped\" = 1 ] && [ \"$requeue\" = 0 ]; then status=0; fi");
        s.AppendLine("if [ \"$requeue\" = 1 ]; then scontrol requeue \"$SLURM_JOB_ID\"; fi");
        s.AppendLine("echo \"[$(date -u +%FT%TZ)] exit $status\"");
        s.AppendLine("exit $status");
        return s.ToString();
    }

    /// <summary>Writes the file atomically and makes it executable.</summary>
    public void Write(string path, SlurmOptions slurm)
    {
        AtomicFile.WriteAllText(path, Render(slurm));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    /// <summary>
    /// Writes the script as <paramref name="folder"/>/NAME.sbatch, submits it with <paramref name="flags"/> and logs
    /// the job id (paths shown relative to <paramref name="runRoot"/>). Returns the job id.
    /// </summary>
    public string Submit(string folder, string name, SlurmOptions slurm, string runRoot, TextWriter log, params string[] flags)
    {
        string path = Path.Combine(folder, $"{name}.sbatch");
        Write(path, slurm);
        string id = SlurmCommand.Submit(path, flags);
        log.WriteLine($"slurm: submitted {Path.GetRelativePath(runRoot, path)} as job {id}{(flags.Length > 0 ? " " + string.Join(' ', flags) : "")}");
        return id;
    }
}
