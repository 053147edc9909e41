using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace MoDE.Train;

/// <summary>
/// The CLIP training loop: batches from <see cref="PassSampler"/>, the learning rate from the schedule, the symmetric
/// contrastive loss, AdamW. Continues a <see cref="TrainState"/> in place, so a seed model and its experts, or a run
/// stopped and resumed, all use this one loop.
/// </summary>
public static class Trainer
{
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
        if (untilStep < state.Step || untilStep > options.TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(untilStep), untilStep, $"must lie in {state.Step} (the current step)..{options.TotalSteps} (TotalSteps)");
        if (data.Images.Height != state.Config.Vision.ImageSize || data.Images.Width != state.Config.Vision.ImageSize)
            throw new ArgumentException($"images are {data.Images.Height}x{data.Images.Width}, the model expects {state.Config.Vision.ImageSize}x{state.Config.Vision.ImageSize}", nameof(data));
        if (data.Tokens.Length > 0 && data.Tokens[0].Length != state.Config.Text.ContextLength)
            throw new ArgumentException($"captions hold {data.Tokens[0].Length} tokens, the model expects {state.Config.Text.ContextLength}", nameof(data));
        var sampler = new PassSampler(data, options.BatchSize, options.Seed);
        if (state.Step == untilStep) return;

        torch.set_num_threads(options.Threads);
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
                var rows = sampler.Batch(state.Step);
                var images = ClipImageTransform.ToTensor(data.Images, rows); // [B, 3, H, W]
                var tokens = CaptionTokenizer.ToTensor(data.Tokens, rows);   // [B, L]
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
            var progress = new TrainProgress(state.Step, untilStep, options.TotalSteps, loss, logitScale, lr, pairsPerSecond);
            log?.Report(progress);
            onStep?.Invoke(progress);
        }
    }
}
