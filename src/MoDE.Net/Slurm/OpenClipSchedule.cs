using MoDE.Train;

namespace MoDE.Slurm;

/// <summary>
/// A run's training schedule in open_clip's terms, where the learning rate follows epochs of a fixed number of samples
/// (open_clip_train/main.py: cosine over <c>num_batches x epochs</c> steps; data.py: with <c>--dataset-resampled</c> an epoch is
/// <c>--train-num-samples</c> samples, its batches rounded up to a multiple of <c>--workers</c>). Every model takes the same epoch of
/// <see cref="StepsPerEpoch"/> steps, so an expert that resumes the seed at epoch <see cref="SeedEpochs"/> continues the seed's cosine
/// at the step it stopped (the MoDE paper: the seed trains 27 of 32 epochs, each expert the last 5 from it). The seed, the experts and the
/// single model run <see cref="Epochs"/> epochs' schedule; the equal-compute baseline, from scratch, <see cref="BaselineEpochs"/>.
/// </summary>
public sealed record OpenClipSchedule(int Epochs, int SeedEpochs, int BaselineEpochs, int StepsPerEpoch, long SamplesPerEpoch, int Workers)
{
    /// <summary>The schedule of <paramref name="options"/> over <paramref name="epochs"/> epochs for a run of <paramref name="experts"/> experts:
    /// <see cref="TrainOptions.Steps"/> / epochs steps an epoch (at least one, rounded up to a multiple of the loader workers as open_clip
    /// does), the seed's share of the epochs rounded to the nearest, the baseline's <see cref="TrainOptions.BaselineSteps"/> in whole epochs.</summary>
    public static OpenClipSchedule Of(TrainOptions options, int experts, int epochs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 2, nameof(epochs));
        int workers = options.Workers > 0 ? options.Workers : Trainer.DefaultWorkers;
        int seedEpochs = (int)Math.Round(options.SeedShare * epochs);
        if (seedEpochs < 1 || seedEpochs >= epochs)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, $"{epochs} epochs at seed share {options.SeedShare} leave no epoch for the seed or the experts; give more epochs");
        int steps = Math.Max(1, (int)Math.Round((double)options.Steps / epochs));
        steps = (steps + workers - 1) / workers * workers;
        int baseline = Math.Max(1, (int)Math.Round((double)options.BaselineSteps(experts) / steps));
        return new OpenClipSchedule(epochs, seedEpochs, baseline, steps, (long)steps * options.BatchSize, workers);
    }
}
