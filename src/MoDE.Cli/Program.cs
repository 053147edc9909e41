using System.Runtime.InteropServices;
using MoDE.Cli;

// mode: the MoDE pipeline from the command line. Every verb reads and writes one run directory; `run` does them all
// in order and skips what is already done.

// A last resort: an exception on a thread no verb guards still ends in one line, never a stack trace (exiting from
// this handler keeps the runtime from printing its own report). Unobserved task exceptions need no handler: .NET
// neither prints nor rethrows them.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    var error = e.ExceptionObject is Exception thrown ? Verb.Reported(thrown) : null;
    Console.Error.WriteLine($"mode: internal error ({error?.GetType().Name ?? e.ExceptionObject.GetType().Name}): {error?.Message.ReplaceLineEndings(" ")}");
    Environment.Exit(Verb.InternalError);
};

// Ctrl+C stops the running stage at its next chunk, iteration or checkpoint, keeping finished work (training
// checkpoints, embed chunks); the next run resumes from there.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (stop.IsCancellationRequested) return; // a second Ctrl+C ends the process at once
    e.Cancel = true;
    stop.Cancel();
    Console.Error.WriteLine("\nmode: stopping; finished work is kept (Ctrl+C again to abort now)");
};
// Slurm: TERM (scancel, scontrol requeue) and USR1 (time limit near, forwarded by the sbatch script as TERM) stop the
// same way, so the requeued task resumes from there; a second TERM ends the process at once. Nothing is printed here:
// the sbatch script logs the signal, and the verb's one line says that it stopped.
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    if (stop.IsCancellationRequested) return;
    c.Cancel = true;
    stop.Cancel();
});

return ModeCli.Invoke(args, stop.Token);
