using MoDE.Storage;

namespace MoDE.Train;

/// <summary>
/// The data order: pass p is <see cref="TrainingData.Rows"/> plus a fresh sample of the out-of-cluster rows,
/// shuffled, cut into full batches (the last partial batch is dropped). Everything is a pure function of
/// (seed, pass), and the pass of a step is step / <see cref="StepsPerPass"/>, so a resumed run sees the same batches.
/// </summary>
public sealed class PassSampler
{
    readonly TrainingData _data;
    readonly int _batchSize;
    readonly int _seed;
    int _cachedPass = -1;
    int[] _cachedOrder = [];

    public PassSampler(TrainingData data, int batchSize, int seed)
    {
        _data = data.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1, nameof(batchSize));
        _batchSize = batchSize;
        _seed = seed;
        StepsPerPass = data.PairsPerPass / batchSize;
        if (StepsPerPass == 0)
            throw new ArgumentException($"{data.PairsPerPass} pairs per pass do not fill one batch of {batchSize}", nameof(data));
    }

    public int StepsPerPass { get; }

    /// <summary>The pair indices of the batch for global step <paramref name="step"/>.</summary>
    public ReadOnlySpan<int> Batch(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        int pass = step / StepsPerPass;
        if (pass != _cachedPass)
        {
            _cachedOrder = Order(pass);
            _cachedPass = pass;
        }
        return _cachedOrder.AsSpan(step % StepsPerPass * _batchSize, _batchSize);
    }

    /// <summary>All pairs of pass <paramref name="pass"/> in training order.</summary>
    public int[] Order(int pass)
    {
        var random = SplitMix64.Stream(_seed, pass);
        int sample = _data.OutOfClusterPerPass;
        var order = new int[_data.Rows.Length + sample];
        _data.Rows.CopyTo(order, 0);
        Draw(ref random, _data.OutOfClusterRows, sample).CopyTo(order, _data.Rows.Length);
        random.Shuffle(order.AsSpan());
        return order;
    }

    /// <summary>The rows of <paramref name="outOfClusterRows"/> that pass <paramref name="pass"/> draws at <paramref name="ratio"/> with
    /// <paramref name="seed"/>, in the order drawn: those <see cref="Order"/> mixes in, for a writer that must give the same samples elsewhere.</summary>
    public static int[] OutOfClusterDraw(int[] outOfClusterRows, double ratio, int seed, int pass)
    {
        var random = SplitMix64.Stream(seed, pass);
        return Draw(ref random, outOfClusterRows, TrainingData.PairsPerPassOf(0, outOfClusterRows.Length, ratio));
    }

    /// <summary>A partial Fisher-Yates shuffle: <paramref name="sample"/> distinct rows of <paramref name="pool"/>.</summary>
    static int[] Draw(ref SplitMix64 random, int[] pool, int sample)
    {
        if (sample == 0) return [];
        var shuffled = (int[])pool.Clone();
        for (int i = 0; i < sample; i++)
        {
            int j = i + random.Below(shuffled.Length - i);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }
        return shuffled[..sample];
    }
}
