namespace MoDE.Train;

/// <summary>
/// Linear warmup then cosine decay to zero, as in CLIP, open_clip and nanoGPT. A pure function of the step,
/// so a resumed run (or an expert continuing from the seed model) follows the same curve.
/// </summary>
public sealed record LearningRateSchedule(double PeakLearningRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The learning rate for the optimizer step with 0-based index <paramref name="step"/>.</summary>
    public double At(int step)
    {
        // 1) warmup: rise linearly from 0 at step 0 to the peak at WarmupSteps.
        if (step < WarmupSteps) return PeakLearningRate * step / WarmupSteps;
        // 2) floor: nothing left to decay after the last step.
        if (step >= TotalSteps) return 0;
        // 3) cosine decay from the peak to 0 over the remaining steps.
        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return 0.5 * (1 + Math.Cos(Math.PI * progress)) * PeakLearningRate;
    }
}
