using MoDE.Split;
using MoDE.Storage;
using MoDE.Train;

namespace MoDE.Shards;

/// <summary>
/// What each shard set holds, in its seeded shuffled order. The all-data set (the seed, the single model and the baseline train
/// on it) holds every embedded pair once. A data expert's set holds the passes its part of the schedule plans: the in-process trainer
/// (<see cref="PassSampler"/>) runs the expert from step <see cref="TrainOptions.SeedSteps"/> to <see cref="TrainOptions.Steps"/>,
/// and pass p = step / (pairs per pass / batch) is the expert's own pairs plus the out-of-cluster pairs drawn for pass p
/// (<see cref="PassSampler.OutOfClusterDraw"/>, the same draw); every planned pass is written whole, so the shards mix own and
/// out-of-cluster pairs in the trainer's proportion and hold every pass's fresh draw.
/// </summary>
public static class ShardPlan
{
    /// <summary>The name of the all-data set.</summary>
    public const string All = "all";

    /// <summary>The passes an expert with <paramref name="pairsPerPass"/> pairs per pass trains under <paramref name="train"/>.</summary>
    public static IReadOnlyList<int> Passes(TrainOptions train, int pairsPerPass)
    {
        int stepsPerPass = pairsPerPass / train.BatchSize;
        if (stepsPerPass < 1) throw new ArgumentException($"{pairsPerPass} pairs per pass do not fill one batch of {train.BatchSize}", nameof(pairsPerPass));
        int first = train.SeedSteps / stepsPerPass, last = (train.Steps - 1) / stepsPerPass;
        return Enumerable.Range(first, last - first + 1).ToList();
    }

    /// <summary>The all-data set: <paramref name="rows"/> once each, shuffled.</summary>
    public static ShardSample[] AllData(int[] rows, int seed) => Shuffled([.. rows.Select(r => new ShardSample(r, -1))], seed, 0);

    /// <summary>Expert <paramref name="expert"/>'s set: each planned pass, own rows and that pass's out-of-cluster draw, shuffled together.</summary>
    public static ShardSample[] Expert(ExpertData expert, TrainOptions train, int seed)
    {
        int perPass = TrainingData.PairsPerPassOf(expert.Rows.Length, expert.OutOfClusterRows.Length, expert.OutOfClusterRatio);
        var samples = new List<ShardSample>();
        foreach (int pass in Passes(train, perPass))
        {
            samples.AddRange(expert.Rows.Select(r => new ShardSample(r, pass)));
            samples.AddRange(PassSampler.OutOfClusterDraw(expert.OutOfClusterRows, expert.OutOfClusterRatio, train.Seed, pass).Select(r => new ShardSample(r, pass)));
        }
        return Shuffled([.. samples], seed, expert.Expert + 1);
    }

    /// <summary><paramref name="samples"/> shuffled by stream <paramref name="set"/> of <paramref name="seed"/>.</summary>
    static ShardSample[] Shuffled(ShardSample[] samples, int seed, int set)
    {
        SplitMix64.Stream(seed, set).Shuffle(samples.AsSpan());
        return samples;
    }
}
