using System.Buffers;

namespace CallJoin.Core.State;

/// <summary>
/// Where unmatched halves wait: a key-value store of compact byte values keyed by <see cref="CallKey"/>, whose
/// contents may exceed memory. Implemented over FASTER in CallJoin.State; an in-memory double serves unit tests.
/// </summary>
/// <remarks>
/// Single-threaded: one instance (or session) per consuming thread. Values are opaque to the store; the join engine
/// owns their layout.
/// </remarks>
public interface IPendingStore : IDisposable
{
    /// <summary>
    /// One atomic read-modify-write: <paramref name="merge"/> sees the current value (if any) exactly once and
    /// decides the next one. The store never calls it twice for one operation, even when the record is on disk.
    /// </summary>
    PendingAction ReadModifyWrite<TMerge>(in CallKey key, ref TMerge merge)
        where TMerge : struct, IPendingMerge;

    /// <summary>Copies the current value into <paramref name="value"/>; false when the key is absent.</summary>
    bool TryRead(in CallKey key, IBufferWriter<byte> value);

    /// <summary>Removes every entry whose value <paramref name="filter"/> selects; returns how many were removed.</summary>
    /// <remarks>Scans the whole store (including what spilled to disk): for rare events such as giving up partitions.</remarks>
    long RemoveWhere<TFilter>(ref TFilter filter)
        where TFilter : struct, IPendingFilter;

    /// <summary>Shows <paramref name="visitor"/> every live entry once; it must not change the store meanwhile.</summary>
    /// <remarks>Scans the whole store (including what spilled to disk): for rare events such as a recovery.</remarks>
    void Visit<TVisitor>(ref TVisitor visitor)
        where TVisitor : struct, IPendingVisitor;

    /// <summary>Entries, bytes of values and where they live.</summary>
    PendingStoreStats Stats { get; }

    /// <summary>The largest value the store accepts; a merge that writes more fails.</summary>
    int MaxValueBytes { get; }
}

/// <summary>The decision of one <see cref="IPendingMerge.Merge"/>.</summary>
public enum PendingAction : byte
{
    /// <summary>Leave the entry as it is (or absent, when there was none).</summary>
    Keep,

    /// <summary>Store the bytes written to the <c>next</c> buffer (insert or replace).</summary>
    Write,

    /// <summary>Remove the entry.</summary>
    Delete,
}

/// <summary>The caller's half of a read-modify-write: a struct so the store's generic call is specialized.</summary>
public interface IPendingMerge
{
    /// <summary>Given the current value (<paramref name="exists"/> false: none), writes the next value and says what to do.</summary>
    PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next);
}

/// <summary>Selects entries for <see cref="IPendingStore.RemoveWhere"/>: a struct so the store's generic call is specialized.</summary>
public interface IPendingFilter
{
    /// <summary>Whether the entry holding <paramref name="value"/> is to be removed (called once per live entry).</summary>
    bool ShouldRemove(ReadOnlySpan<byte> value);
}

/// <summary>Sees the entries of <see cref="IPendingStore.Visit"/>: a struct so the store's generic call is specialized.</summary>
public interface IPendingVisitor
{
    /// <summary>One live entry; <paramref name="value"/> is valid only during the call.</summary>
    void Visit(in CallKey key, ReadOnlySpan<byte> value);
}

/// <summary>Size of the pending state.</summary>
/// <param name="Entries">Keys with a value.</param>
/// <param name="ValueBytes">Sum of the live values' lengths.</param>
/// <param name="MemoryBytes">Bytes the store holds in memory (log pages and index), if known.</param>
/// <param name="DiskBytes">Bytes spilled to local disk, if any.</param>
public readonly record struct PendingStoreStats(long Entries, long ValueBytes, long MemoryBytes, long DiskBytes);
