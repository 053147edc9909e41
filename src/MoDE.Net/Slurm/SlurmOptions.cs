namespace MoDE.Slurm;

/// <summary>
/// Where and how the Slurm launcher asks for resources. Every field maps to one <c>#SBATCH</c> line of the
/// scripts written into <c>RUN/slurm/</c>; an empty field leaves the cluster's default.
/// </summary>
public sealed record SlurmOptions
{
    /// <summary>Partition (<c>--partition</c>); empty: the cluster's default partition.</summary>
    public string Partition { get; init; } = "";

    /// <summary>Time limit of one task (<c>--time</c>, e.g. <c>04:00:00</c>); empty: the partition's limit.</summary>
    public string Time { get; init; } = "";

    /// <summary>CPUs per task (<c>--cpus-per-task</c>); also the thread count of the task unless training sets its own.</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>GPUs per task (<c>--gpus-per-task</c>); 0 asks for none.</summary>
    public int Gpus { get; init; }

    /// <summary>Memory per task (<c>--mem</c>, e.g. <c>8G</c>); empty: the partition's default.</summary>
    public string Memory { get; init; } = "";

    /// <summary>Account charged (<c>--account</c>); empty: the user's default account.</summary>
    public string Account { get; init; } = "";

    /// <summary>Further <c>#SBATCH</c> flags, one per entry, each one argument in <c>--name=value</c> form (e.g.
    /// <c>--qos=high</c>); an entry with spaces or quotes is quoted whole, so it stays one argument.</summary>
    public IReadOnlyList<string> ExtraFlags { get; init; } = [];

    /// <summary>Seconds before the time limit at which Slurm sends USR1, so training saves a checkpoint and requeues (<c>--signal=B:USR1@60</c>).</summary>
    public int SignalSeconds { get; init; } = 60;

    /// <summary>The command that runs the CLI on a compute node; empty: the command running now (<see cref="ModeCommand.Invocation"/>).</summary>
    public string Mode { get; init; } = "";

    /// <summary>
    /// Refuses values that cannot go into an sbatch file: counts out of range, and any text field holding a control
    /// character (a newline would end its <c>#SBATCH</c> line and start a shell line of its own).
    /// </summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Cpus, 1, nameof(Cpus));
        ArgumentOutOfRangeException.ThrowIfNegative(Gpus, nameof(Gpus));
        ArgumentOutOfRangeException.ThrowIfLessThan(SignalSeconds, 1, nameof(SignalSeconds));
        RequireOneLine(Partition, nameof(Partition));
        RequireOneLine(Time, nameof(Time));
        RequireOneLine(Memory, nameof(Memory));
        RequireOneLine(Account, nameof(Account));
        RequireOneLine(Mode, nameof(Mode));
        foreach (string flag in ExtraFlags) RequireOneLine(flag, nameof(ExtraFlags));
    }

    /// <summary>Throws when <paramref name="value"/> holds a control character (below U+0020, or U+007F): newline,
    /// carriage return and tab included.</summary>
    internal static void RequireOneLine(string value, string name, string? what = null)
    {
        int at = value.AsSpan().IndexOfAnyInRange('\u0000', '\u001f');
        if (at < 0) at = value.IndexOf('\u007f');
        if (at >= 0)
            throw new ArgumentException($"{what ?? name} holds the control character U+{(int)value[at]:X4} at position {at}, " +
                                        "which cannot go into an sbatch file: " + value.ReplaceLineEndings("\\n"), name);
    }
}
