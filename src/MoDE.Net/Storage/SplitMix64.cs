namespace MoDE.Storage;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator that is the same on every platform and .NET version,
/// used to derive independent random streams from (seed, purpose, index) so that work done in any order, in
/// parallel, or resumed part-way gives the same result.
/// </summary>
public struct SplitMix64(ulong seed)
{
    ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next() => Mix(_state += Gamma);

    /// <summary>Uniform in 0..bound-1 (Lemire's multiply-shift; bias below 2^-32 for the sizes used here).</summary>
    public int Below(int bound) => (int)((Next() >> 32) * (ulong)bound >> 32);

    /// <summary>The stream numbered <paramref name="stream"/> (a training pass, a shard set) under <paramref name="seed"/>: the
    /// two numbers side by side as the starting state.</summary>
    public static SplitMix64 Stream(int seed, int stream) => new(((ulong)(uint)seed << 32) | (uint)stream);

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher-Yates, from the last item down).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Below(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>The SplitMix64 output function: a bijective 64-bit mix with good avalanche.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The golden-ratio increment of the state.</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;
}
