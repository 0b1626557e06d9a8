using CallJoin.Core.State;

namespace CallJoin.Core.Join;

public sealed partial class JoinEngine<TOutput>
{
    /// <summary>
    /// Drops every pending half and tombstone read from one of <paramref name="partitions"/>, with their timers, and
    /// writes nothing: the instance that takes those partitions over reads them again from the last committed offset,
    /// which is never past a half still pending here. Returns how many keys were dropped.
    /// </summary>
    /// <remarks>Scans the whole store; for a rebalance, not the hot path.</remarks>
    public long ForgetPartitions(IReadOnlySet<int> partitions)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        if (partitions.Count == 0)
        {
            return 0;
        }

        var filter = new PartitionFilter(this, partitions);
        return _store.RemoveWhere(ref filter);
    }

    /// <summary>Selects the records of the given partitions and cancels their timers as it goes.</summary>
    private readonly struct PartitionFilter(JoinEngine<TOutput> engine, IReadOnlySet<int> partitions) : IPendingFilter
    {
        public bool ShouldRemove(ReadOnlySpan<byte> value)
        {
            var record = new PendingRecord(value);
            if (!partitions.Contains(record.Position.Partition))
            {
                return false;
            }

            engine._timers.Cancel(record.Timer);
            return true;
        }
    }
}
