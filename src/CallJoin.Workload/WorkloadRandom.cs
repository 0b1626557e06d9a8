using System.Numerics;

namespace CallJoin.Workload;

/// <summary>
/// xoshiro256** seeded through SplitMix64: a small, fast generator whose sequence is fixed by its seed on every runtime
/// (unlike <see cref="Random"/>, whose algorithm is not a contract).
/// </summary>
/// <remarks>Not thread-safe.</remarks>
internal sealed class WorkloadRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public WorkloadRandom(ulong seed) => Reseed(seed);

    /// <summary>Restarts the sequence from <paramref name="seed"/>.</summary>
    public void Reseed(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>A well-mixed 64-bit value of <paramref name="a"/> and <paramref name="b"/>, for deriving seeds.</summary>
    public static ulong Mix(ulong a, ulong b)
    {
        var state = a ^ (b * 0x9E3779B97F4A7C15UL);
        return SplitMix(ref state);
    }

    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A value in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => (int)(((NextUInt64() >> 32) * (ulong)maxExclusive) >> 32);

    /// <summary>A value in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public long Between(long min, long maxInclusive) =>
        maxInclusive <= min ? min : min + (long)(NextUInt64() % (ulong)(maxInclusive - min + 1));

    /// <summary>A value in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>A value in [<paramref name="min"/>, <paramref name="max"/>] on a logarithmic scale: small values more often.</summary>
    public long LogUniform(long min, long max) =>
        max <= min ? min : Math.Clamp((long)Math.Round(min * Math.Pow((double)max / min, NextDouble())), min, max);

    /// <summary>One of <paramref name="items"/>.</summary>
    public T Pick<T>(T[] items) => items[Next(items.Length)];

    private static ulong SplitMix(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
