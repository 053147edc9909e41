using MoDE.Model;
using MoDE.Storage;
using TorchSharp;

namespace MoDE.Train;

/// <summary>
/// A run that starts from a pretrained CLIP: the open_clip checkpoint (<see cref="OpenClipCheckpoint"/>) the seed model
/// starts from, what the seed does with it (<see cref="Seed"/>), and which models start from it (<see cref="Models"/>).
/// The checkpoint is recorded by its identity (path, length, SHA-256), so a rerun with another file is refused as a
/// run with other options.
/// </summary>
/// <param name="Checkpoint">The checkpoint file.</param>
/// <param name="Seed"><see cref="PretrainedSeed.Skip"/> by default: the pretrained model is the seed, as follow-ups of
/// MoDE that build experts from a pretrained CLIP (CLIP-MoE) use it.</param>
/// <param name="Models"><see cref="PretrainedModels.Seed"/> by default.</param>
public sealed record PretrainedInit(FileIdentity Checkpoint, PretrainedSeed Seed = PretrainedInit.DefaultSeed, PretrainedModels Models = PretrainedInit.DefaultModels)
{
    public const PretrainedSeed DefaultSeed = PretrainedSeed.Skip;
    public const PretrainedModels DefaultModels = PretrainedModels.Seed;

    /// <summary>Throws <see cref="ArgumentException"/> naming <see cref="TrainOptions.Init"/> unless the file is as it was
    /// given and a whole checkpoint of <paramref name="config"/> (<paramref name="model"/>, as the options name it):
    /// every tensor is read and checked as <see cref="OpenClipCheckpoint.Load"/> checks it, into a model on the meta
    /// device (shapes, no storage), so the check costs a read of the file and no model.</summary>
    public void Check(ClipConfig config, string model)
    {
        ArgumentNullException.ThrowIfNull(config);
        try
        {
            Checkpoint.Require();
            using var shapes = new Clip(config, device: torch.META);
            OpenClipCheckpoint.Load(shapes, Checkpoint.Path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{e.Message.ReplaceLineEndings(" ")} (the run's model is --model '{model}' with the {config.Text.VocabSize}-token vocabulary of --tokenizer)",
                nameof(TrainOptions.Init), e);
        }
    }
}
