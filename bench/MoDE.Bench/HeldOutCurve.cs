using System.Globalization;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;

namespace MoDE.Bench;

/// <summary>
/// The held-out CLIP loss of training states of one built-in run (its snapshots along a schedule and its final models),
/// on the same <see cref="HeldOutPairs"/> in full batches of the run's batch size, in the order the pairs were generated.
/// Prints one line per state, ordered by file name then step: the file, its step of its schedule, and the loss. For
/// bench/converged.sh, whose seed and baseline curves say when the loss has flattened. Reads and writes no run file.
/// </summary>
static class HeldOutCurve
{
    /// <summary>Usage: held-out-curve RUN STATE...</summary>
    public static int Run(string[] args)
    {
        var run = new RunLayout(args[0]);
        // the batch of the run's training, finished or not
        int batch = JsonFile.Read<TrainOptions>(File.Exists(run.Done("train")) ? run.Done("train") : run.Started("train")).BatchSize;
        var (fresh, seed) = HeldOutPairs.Generate(run);
        using var heldOut = fresh;
        var tokens = CaptionTokenizer.Load(run.Tokenizer).Encode(heldOut.Pairs.Select(p => p.Caption).ToList());
        int[] rows = [.. Enumerable.Range(0, heldOut.Pairs.Count)];
        int batches = rows.Length / batch;
        Console.WriteLine($"held-out-curve {run.Root}: {rows.Length} fresh pairs (generator seed {seed}), {batches} batches of {batch}; CLIP loss, eval mode");
        Console.WriteLine($"  {"state",-40} {"step",6} {"of",6} {"held-out",9}");
        var states = args[1..].Select(path =>
        {
            using var state = TrainState.Load(path);
            return (Name: Path.GetFileName(path).Split('.')[0], Path: path, state.Step, state.TotalSteps,
                    Loss: HeldOutPairs.Loss(state.Model, heldOut.Images, tokens, rows, batches, batch));
        }).ToList();
        foreach (var s in states.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Step))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {s.Name + " " + Path.GetFileName(s.Path),-40} {s.Step,6} {s.TotalSteps,6} {s.Loss,9:F4}"));
        return 0;
    }
}
