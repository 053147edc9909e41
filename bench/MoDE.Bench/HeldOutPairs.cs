using MoDE.Data;
using MoDE.Data.Synthetic;
using MoDE.Model;
using MoDE.Storage;
using MoDE.Tokenizer;
using MoDE.Train;
using TorchSharp;

namespace MoDE.Bench;

/// <summary>
/// Pairs no model of a built-in run has seen: the run's own generator options (ingest's marker) with the seed moved by
/// <see cref="SeedOffset"/>, and the CLIP loss of a model on batches of them (<see cref="ClipLoss"/>, eval mode, no
/// augmentation), so losses of different models and steps are measured on the same pairs.
/// </summary>
static class HeldOutPairs
{
    public const int Count = 6144, SeedOffset = 1;

    /// <summary><see cref="Count"/> fresh pairs from the generator of the built-in run <paramref name="run"/>, and the generator seed used.</summary>
    public static (PairSet Pairs, int Seed) Generate(RunLayout run)
    {
        var generator = JsonFile.Read<SyntheticWebOptions>(run.Done("ingest"));
        generator = generator with { Pairs = Count, Seed = generator.Seed + SeedOffset };
        return (SyntheticWeb.GeneratePairs(generator), generator.Seed);
    }

    /// <summary>The mean CLIP loss of <paramref name="model"/> over the first <paramref name="batches"/> full batches of <paramref name="rows"/>.</summary>
    public static double Loss(Clip model, IImageRows images, long[][] tokens, int[] rows, int batches, int batch)
    {
        model.eval();
        using var noGrad = torch.no_grad();
        double sum = 0;
        for (int b = 0; b < batches; b++)
        {
            using var scope = torch.NewDisposeScope();
            var slice = rows.AsSpan(b * batch, batch);
            sum += ClipLoss.Compute(model.EncodeImage(ClipImageTransform.ToTensor(images, slice)), model.EncodeText(CaptionTokenizer.ToTensor(tokens, slice)), model.LogitScale).item<float>();
        }
        return sum / batches;
    }
}
