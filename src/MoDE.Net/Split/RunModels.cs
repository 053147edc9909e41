using MoDE.Storage;

namespace MoDE.Split;

/// <summary>
/// The models of a run, in pipeline order: the seed, one data expert per coarse cluster, the seed continued on all
/// data ("single", the paper's baseline) and the equal-compute baseline. The number of experts is read from one
/// artifact, the split stage's report.
/// </summary>
public static class RunModels
{
    public const string Seed = "seed";
    public const string Single = "single";
    public const string Baseline = "baseline";

    public static string Expert(int expert) => $"expert_{expert}";

    /// <summary>Every model of a run with <paramref name="experts"/> data experts.</summary>
    public static IReadOnlyList<string> Of(int experts) => [Seed, .. Enumerable.Range(0, experts).Select(Expert), Single, Baseline];

    /// <summary>Every model of <paramref name="run"/>; none before its split stage has finished.</summary>
    public static IReadOnlyList<string> Of(RunLayout run) => File.Exists(run.SplitReport) ? Of(Experts(run)) : [];

    /// <summary>The number of data experts of <paramref name="run"/>, from <c>split/report.json</c>.</summary>
    public static int Experts(RunLayout run)
    {
        if (!File.Exists(run.SplitReport))
            throw new InvalidOperationException($"{run.SplitReport} is missing: run `{ModeCommand.Invocation} split --run {ModeCommand.Quote(run.Root)}` first");
        return ExpertData.ReadReport(run).Experts;
    }
}
