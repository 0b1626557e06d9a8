using CallJoin.Core.Halves;

namespace CallJoin.Kafka.Ingest;

/// <summary>
/// Per side and partition, the safe restart point: the lowest consumed offset whose effect is not yet durable, or the
/// last consumed offset + 1 when all are.
/// </summary>
/// <remarks>
/// Not thread-safe: <see cref="CoPartitionedIngest"/> guards it with a lock. Each partition keeps a ring of the offsets
/// from its restart point to the last consumed one (9 bytes each), so nothing is allocated per message once the ring is
/// large enough; a half held for long (an unmatched start) keeps everything consumed after it in the ring.
/// </remarks>
public sealed class OffsetLedger
{
    private const int InitialCapacity = 1024;
    private readonly PartitionOffsets?[][] _sides = [[], []];

    /// <summary>Offsets held across all partitions (consumed and not yet below the restart point).</summary>
    public long Held { get; private set; }

    /// <summary>Records a consumed offset; offsets increase per partition, with gaps allowed.</summary>
    /// <remarks>An offset at or below the last one consumed (a seek back) restarts that partition's record.</remarks>
    public void Consumed(CallSide side, int partition, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        Held += GetOrAdd(side, partition).Consumed(offset);
    }

    /// <summary>Marks a consumed offset durable (in any order); offsets not held (forgotten, already safe) are ignored.</summary>
    public void Durable(CallSide side, int partition, long offset)
    {
        if (Find(side, partition) is { } track)
        {
            Held += track.Durable(offset);
        }
    }

    /// <summary>The offset to commit (the next one to read after a restart); false when nothing was consumed.</summary>
    public bool TryGetCommitOffset(CallSide side, int partition, out long offset)
    {
        if (Find(side, partition) is { } track)
        {
            return track.TryGetCommitOffset(out offset);
        }

        offset = -1;
        return false;
    }

    /// <summary>Drops everything known of a partition (it was revoked).</summary>
    public void Forget(CallSide side, int partition)
    {
        var tracks = _sides[SideIndex(side)];
        if ((uint)partition < (uint)tracks.Length && tracks[partition] is { } track)
        {
            Held -= track.Count;
            tracks[partition] = null;
        }
    }

    private static int SideIndex(CallSide side) => side switch
    {
        CallSide.Start => 0,
        CallSide.End => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(side), side, "not a call side"),
    };

    private PartitionOffsets? Find(CallSide side, int partition)
    {
        var tracks = _sides[SideIndex(side)];
        return (uint)partition < (uint)tracks.Length ? tracks[partition] : null;
    }

    private PartitionOffsets GetOrAdd(CallSide side, int partition)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        var index = SideIndex(side);
        var tracks = _sides[index];
        if (partition >= tracks.Length)
        {
            Array.Resize(ref tracks, Math.Max(partition + 1, tracks.Length * 2));
            _sides[index] = tracks;
        }

        return tracks[partition] ??= new PartitionOffsets(InitialCapacity);
    }
}
