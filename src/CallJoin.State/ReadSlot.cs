using CallJoin.Core.Bytes;
using FASTER.core;

namespace CallJoin.State;

/// <summary>
/// Where <see cref="PendingRecordFunctions"/> leaves what a read found: a copy of the value and, for a read that went
/// pending on disk, the status its completion reported. Owned by one store and reused by every operation.
/// </summary>
internal sealed class ReadSlot(int initialCapacity)
{
    /// <summary>The value read, on the pinned object heap.</summary>
    public ByteBuffer Value { get; } = new(Math.Max(initialCapacity, 256), pinned: true);

    public Status CompletedStatus { get; set; }
}
