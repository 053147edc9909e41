using System.Diagnostics;
using System.Globalization;
using MoDE.Data;
using TorchSharp;

using static TorchSharp.torch;

namespace MoDE.Train;

/// <summary>
/// The CLIP training loop: batches prepared ahead by <see cref="BatchLoader"/> (data order from <see cref="PassSampler"/>,
/// <see cref="RandomResizedCrop"/> augmentation), on the options' device, the learning rate from the schedule, the symmetric
/// contrastive loss, AdamW. Continues a <see cref="TrainState"/> in place, so a seed model and its experts, or a run
/// stopped and resumed, all use this one loop.
/// </summary>
public static class Trainer
{
    /// <summary>Batch threads when the options leave it open: two keep one batch ready while the optimizer steps.</summary>
    public const int DefaultWorkers = 2;

    /// <summary>
    /// Trains <paramref name="state"/> on <paramref name="data"/> until <see cref="TrainState.Step"/> reaches
    /// <paramref name="untilStep"/> (at most the schedule's TotalSteps). After each step <paramref name="onStep"/> is
    /// called, and each step is reported to <paramref name="log"/> when one is given.
    /// </summary>
    public static void Train(TrainState state, TrainingData data, int untilStep, Action<TrainProgress>? onStep = null, TrainingLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(data);
        var options = state.Options;
        if (untilStep < state.Step || untilStep > state.TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(untilStep), untilStep, $"must lie in {state.Step} (the current step)..{state.TotalSteps} (TotalSteps)");
        if (data.Images.Height != state.Config.Vision.ImageSize || data.Images.Width != state.Config.Vision.ImageSize)
            throw new ArgumentException($"images are {data.Images.Height}x{data.Images.Width}, the model expects {state.Config.Vision.ImageSize}x{state.Config.Vision.ImageSize}", nameof(data));
        if (data.Tokens.Length > 0 && data.Tokens[0].Length != state.Config.Text.ContextLength)
            throw new ArgumentException($"captions hold {data.Tokens[0].Length} tokens, the model expects {state.Config.Text.ContextLength}", nameof(data));
        _ = new PassSampler(data, options.BatchSize, options.Seed); // checks the data fills a batch
        if (state.Step == untilStep) return;

        torch.set_num_threads(options.Threads);
        var device = TrainDevice.Of(options.Device);
        using var batches = new BatchLoader(data, options.BatchSize, options.Seed, options.CropScale, state.Step, untilStep,
            options.Workers > 0 ? options.Workers : DefaultWorkers);
        var model = state.Model;
        var optimizer = state.Optimizer;
        model.train();
        var clock = Stopwatch.StartNew();
        while (state.Step < untilStep)
        {
            var started = clock.Elapsed;
            double lr = state.Schedule.At(state.Step);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            double loss, logitScale;
            using (var scope = torch.NewDisposeScope())
            {
                var batch = batches.Take(state.Step);
                var images = torch.tensor(batch.Images, [batch.Count, ImageSet.Channels, data.Images.Height, data.Images.Width]).to(device); // [B, 3, H, W]
                var tokens = torch.tensor(batch.Tokens, [batch.Count, batch.Tokens.Length / batch.Count]).to(device);                         // [B, L]
                var (imageFeatures, textFeatures) = model.call(images, tokens);
                var lossTensor = ClipLoss.Compute(imageFeatures, textFeatures, model.LogitScale);
                optimizer.zero_grad();
                lossTensor.backward();
                optimizer.step();
                loss = lossTensor.item<float>();
                logitScale = model.LogitScale.item<float>();
            }
            state.Step++;

            double pairsPerSecond = options.BatchSize / (clock.Elapsed - started).TotalSeconds;
            var progress = new TrainProgress(state.Step, untilStep, state.TotalSteps, loss, logitScale, lr, pairsPerSecond);
            log?.Report(progress);
            onStep?.Invoke(progress);
        }
    }
}
