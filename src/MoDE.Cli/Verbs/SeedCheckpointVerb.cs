using System.CommandLine;
using MoDE.Cli.Flags;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Cli.Verbs;

/// <summary><c>mode seed-checkpoint</c>: the run's seed as open_clip's training checkpoint, for <c>open_clip_train --resume</c>.</summary>
public static class SeedCheckpointVerb
{
    public static readonly Option<int> Epochs = new("--epochs")
    {
        Description = "Epochs of the whole schedule in open_clip (its --epochs); the seed's share of them must be whole (27 of 32 for the paper's share)",
        DefaultValueFactory = _ => OpenClipTrainingCheckpoint.PaperEpochs,
    };

    public static Command Create()
    {
        var command = new Command("seed-checkpoint", "Write the trained seed as open_clip's training checkpoint (RUN/open_clip/seed/checkpoints/epoch_K.pt: " +
                                                     "weights, AdamW moments and steps, epoch K of --epochs), which open_clip_train's --resume continues")
        {
            RunFlags.Run, Epochs,
        };
        return command.WithAction((p, output) =>
        {
            var run = new RunLayout(p.GetValue(RunFlags.Run)!);
            Verb.RequireRun(run);
            output.WriteLine(OpenClipTrainingCheckpoint.WriteSeed(run, p.GetValue(Epochs)));
        }, new FlagName("epochs", Epochs.Name));
    }
}
