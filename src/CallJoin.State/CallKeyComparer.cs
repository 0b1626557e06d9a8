using CallJoin.Core.State;
using FASTER.core;

namespace CallJoin.State;

/// <summary>
/// Equality and a well-mixed 64-bit hash for <see cref="CallKey"/>: FASTER takes the bucket from the low bits and a
/// 14-bit tag from the high bits, so both ends must vary even for synthetic, sequential keys.
/// </summary>
internal sealed class CallKeyComparer : IFasterEqualityComparer<CallKey>
{
    public static CallKeyComparer Instance { get; } = new();

    public bool Equals(ref CallKey k1, ref CallKey k2) => k1.Low == k2.Low && k1.High == k2.High;

    public long GetHashCode64(ref CallKey k) => (long)Mix(k.Low ^ Mix(k.High));

    // SplitMix64's finalizer: every input bit affects every output bit. Mixing High before combining keeps structured
    // pairs (for instance Low = High * constant) from cancelling out.
    private static ulong Mix(ulong h)
    {
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }
}
