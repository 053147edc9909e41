using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json;
using MoDE.Cli.Flags;
using MoDE.Data.Ingest;
using MoDE.Storage;

namespace MoDE.Cli;

/// <summary>
/// What every verb shares: the action wrapper that turns every failure into one line on standard error and an exit
/// code (1: the input or the run is wrong; 2: a flag's value is wrong, named as typed; 70: a bug; 130: stopped),
/// and the check that a directory is a run before a verb reads it.
/// </summary>
/// <remarks>
/// 130 is the one code of a clean stop, whether Ctrl+C (SIGINT) or SIGTERM (Slurm's scancel and time limit) asked for
/// it: it tells a script what to do next (run the same command to resume), which does not depend on the signal. A
/// process that a signal ended before it could stop cleanly (a second Ctrl+C or TERM, SIGKILL) is reported by the shell
/// as 128 + the signal (130, 143, 137), so 143 still means "terminated, not stopped".
/// </remarks>
public static class Verb
{
    public const int Failed = 1, BadFlag = 2, InternalError = 70, Stopped = 130;

    /// <summary>Sets <paramref name="action"/> as the command's action, run inside the error wrapper.</summary>
    public static Command WithAction(this Command command, Action<ParseResult, TextWriter> action, params IReadOnlyList<IFlagNames> names)
    {
        command.SetAction(p => Invoke(Path(p.CommandResult), p, names, action));
        return command;
    }

    public static int Invoke(string verb, ParseResult p, IReadOnlyList<IFlagNames> names, Action<ParseResult, TextWriter> action)
    {
        var error = p.InvocationConfiguration.Error;
        try
        {
            action(p, p.InvocationConfiguration.Output);
            return 0;
        }
        catch (Exception thrown)
        {
            var e = Reported(thrown);
            if (e is OperationCanceledException)
            {
                error.WriteLine($"mode {verb}: stopped; run the same command again to resume");
                return Stopped;
            }
            if (e is ArgumentException { ParamName: { } property } argument && names.Select(n => n.FlagOf(property)).FirstOrDefault(f => f is not null) is { } flag)
            {
                string message = Message(argument, property, flag);
                error.WriteLine($"mode {verb}: {(message.StartsWith(flag, StringComparison.Ordinal) ? "" : flag + ": ")}{message}");
                return BadFlag;
            }
            if (e is InvalidDataException or InvalidOperationException or ArgumentException or IOException
                    or UnauthorizedAccessException or JsonException or NotSupportedException or FormatException)
            {
                error.WriteLine($"mode {verb}: {OneLine(e.Message)}");
                return Failed;
            }
            error.WriteLine($"mode {verb}: internal error ({e.GetType().Name}): {OneLine(e.Message)}");
            return InternalError;
        }
    }

    /// <summary>
    /// The exception a failure is reported as: work done in parallel (Parallel.For, Task.Wait) fails with an
    /// AggregateException, which stands for its first inner exception that is not a cancellation (a stop is reported as
    /// such only when nothing else failed); a reflection call's wrapper stands for its inner exception.
    /// </summary>
    public static Exception Reported(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: > 0 } a => Reported(
            a.Flatten().InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? a.Flatten().InnerExceptions[0]),
        System.Reflection.TargetInvocationException { InnerException: { } inner } => Reported(inner),
        _ => e,
    };

    /// <summary>The verbs from the root to <paramref name="result"/>: "run", "import fashion-mnist"; empty for the root.</summary>
    public static string Path(CommandResult result)
    {
        var names = new Stack<string>();
        for (var r = result; r?.Parent is not null; r = r.Parent as CommandResult) names.Push(r.Command.Name);
        return string.Join(' ', names);
    }

    /// <summary>An argument error's message with the record's property replaced by the flag and .NET's suffixes dropped.</summary>
    static string Message(ArgumentException e, string property, string flag)
    {
        string message = e.Message;
        int suffix = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (suffix >= 0) message = message[..suffix];
        if (e is ArgumentOutOfRangeException { ActualValue: { } value } && !message.Contains($"'{value}'", StringComparison.Ordinal))
            message += $" (got {value})";
        return OneLine(message.Replace(property, flag, StringComparison.Ordinal));
    }

    static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Throws unless <paramref name="run"/> is a run directory: one whose ingest stage has finished.</summary>
    public static void RequireRun(RunLayout run)
    {
        if (!Directory.Exists(run.Root))
            throw new DirectoryNotFoundException($"{run.Root}: no such run directory");
        if (!IngestStage.Stage.IsDone(run))
            throw new InvalidOperationException(
                $"{run.Root} is not a MoDE run ({run.Done(IngestStage.Stage.Name)} is missing); make one with `{ModeCommand.Invocation} run --run {ModeCommand.Quote(run.Root)}`");
    }
}
