using MoDE.Storage;

namespace MoDE.Data.Synthetic;

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

    static ulong Mix(ulong z) => SplitMix64.Mix(z + SplitMix64.Gamma);

    public static float Range(this Random rng, double min, double max) => (float)(min + rng.NextDouble() * (max - min));

    public static T Pick<T>(this Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    public static bool Chance(this Random rng, double probability) => rng.NextDouble() < probability;
}
