namespace MoDE.Data;

/// <summary>
/// One random stream per generated item, derived from (seed, purpose, index) with SplitMix64, so that items can be
/// rendered in any order, in parallel, and still come out the same. <see cref="Random(int)"/> is deterministic
/// across runs and platforms.
/// </summary>
internal static class ItemRandom
{
    public enum Purpose : ulong { TrainImage = 1, Noise = 2, EvalImage = 3 }

    public static Random For(int seed, Purpose purpose, int index)
    {
        ulong x = Mix((ulong)(uint)seed);
        x = Mix(x ^ (ulong)purpose);
        x = Mix(x ^ (ulong)(uint)index);
        return new Random((int)(x >> 33));
    }

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static float Range(this Random rng, double min, double max) => (float)(min + rng.NextDouble() * (max - min));

    public static T Pick<T>(this Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    public static bool Chance(this Random rng, double probability) => rng.NextDouble() < probability;
}
