using System.Runtime.InteropServices;
using MoDE.Cli;

// mode: the MoDE pipeline from the command line. Every verb reads and writes one run directory; `run` does them all
// in order and skips what is already done.

// A last resort: an exception on a thread no verb guards still ends in one line, never a stack trace.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    Console.Error.WriteLine($"mode: internal error ({e.ExceptionObject.GetType().Name}): {(e.ExceptionObject as Exception)?.Message.ReplaceLineEndings(" ")}");
    Environment.Exit(Verb.InternalError);
};

// Ctrl+C stops training at its next checkpoint; the next run resumes from there.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (stop.IsCancellationRequested) return; // a second Ctrl+C ends the process at once
    e.Cancel = true;
    stop.Cancel();
    Console.Error.WriteLine("\nmode: stopping at the next checkpoint (Ctrl+C again to abort now)");
};
// Slurm: TERM (scancel, scontrol requeue) and USR1 (time limit near, forwarded by the sbatch script as TERM) also stop
// training at its next checkpoint, so the requeued task resumes from there.
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
    Console.Error.WriteLine("mode: TERM, stopping at the next checkpoint");
});

return ModeCli.Invoke(args, stop.Token);
