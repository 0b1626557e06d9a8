using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// Stream time for a consumer of many partitions: the lowest record time that every partition still being read has
/// reached. A partition read to its end does not hold it back; one not read yet does. So while a backlog is read, a
/// topic fetched ahead of the other cannot time out halves whose partners are still unread.
/// </summary>
/// <remarks>Engine thread only; the lags come from the ingest's last measurement.</remarks>
internal sealed class PartitionWatermark
{
    private long[] _starts = [];
    private long[] _ends = [];

    /// <summary>Notes a record's timestamp for its partition.</summary>
    public void OnRecord(CallSide side, int partition, long timestampMillis)
    {
        ref var latest = ref Slot(side, partition);
        if (timestampMillis > latest)
        {
            latest = timestampMillis;
        }
    }

    /// <summary>Forgets revoked partitions: if they come back, they are read again from their committed offsets.</summary>
    public void Forget(IReadOnlyList<int> partitions)
    {
        foreach (var p in partitions)
        {
            Slot(CallSide.Start, p) = long.MinValue;
            Slot(CallSide.End, p) = long.MinValue;
        }
    }

    /// <summary>The watermark over <paramref name="assigned"/> partitions of both topics, given each one's lag.</summary>
    /// <param name="assigned">The partition numbers read (of both topics).</param>
    /// <param name="lag">The last lag measurement; a partition missing from it counts as not read to its end.</param>
    /// <param name="watermark">The lowest latest record time among the partitions not read to their end.</param>
    /// <param name="caughtUp">True when every partition has been read to its end (no watermark: the wall clock decides).</param>
    /// <returns>False when there is no watermark: nothing assigned, a partition not read yet, or all caught up.</returns>
    public bool TryGet(IReadOnlyList<int> assigned, IReadOnlyList<PartitionLag> lag, out long watermark, out bool caughtUp)
    {
        watermark = long.MaxValue;
        caughtUp = false;
        if (assigned.Count == 0)
        {
            return false;
        }

        var behind = 0;
        foreach (var partition in assigned)
        {
            foreach (var side in Sides)
            {
                if (IsCaughtUp(lag, side, partition))
                {
                    continue;
                }

                behind++;
                var latest = Slot(side, partition);
                if (latest == long.MinValue)
                {
                    return false;   // still unread: it may hold the oldest records of all
                }

                watermark = Math.Min(watermark, latest);
            }
        }

        caughtUp = behind == 0;
        return !caughtUp;
    }

    private static readonly CallSide[] Sides = [CallSide.Start, CallSide.End];

    private static bool IsCaughtUp(IReadOnlyList<PartitionLag> lag, CallSide side, int partition)
    {
        foreach (var l in lag)
        {
            if (l.Side == side && l.Partition == partition)
            {
                return l.Messages == 0;
            }
        }

        return false;
    }

    private ref long Slot(CallSide side, int partition)
    {
        ref var slots = ref side == CallSide.Start ? ref _starts : ref _ends;
        if (partition >= slots.Length)
        {
            var grown = new long[Math.Max(partition + 1, slots.Length * 2)];
            Array.Fill(grown, long.MinValue);
            slots.CopyTo(grown, 0);
            slots = grown;
        }

        return ref slots[partition];
    }
}
