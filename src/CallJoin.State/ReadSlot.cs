using FASTER.core;

namespace CallJoin.State;

/// <summary>
/// Where <see cref="PendingRecordFunctions"/> leaves what a read found: a copy of the value and, for a read that went
/// pending on disk, the status its completion reported. Owned by one store and reused by every operation.
/// </summary>
internal sealed class ReadSlot(int initialCapacity)
{
    public PinnedValueBuffer Value { get; } = new(initialCapacity);

    public Status CompletedStatus { get; set; }
}
