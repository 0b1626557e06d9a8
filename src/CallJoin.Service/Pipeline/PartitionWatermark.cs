using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// Stream time for a consumer of many partitions: the lowest record time that every partition still being read has
/// reached. A partition read to its end does not hold it back; one not read yet does. So while a backlog is read, a
/// topic fetched ahead of the other cannot time out halves whose partners are still unread.
/// </summary>
/// <remarks>
/// <para>
/// A partition that yields nothing for <see cref="IdleAfter"/> of wall-clock time while it is not paused (its leader is
/// down, its fetches starve, it was never fetched at all) is left out as idle, so it cannot freeze expiry for every
/// other partition. Its halves already read may then time out before their partners arrive; those partners still
/// complete the call within the retentions (a running row, then its complete row; a <c>start_missing</c> record, then
/// the complete row). A half read late gets its full timeout from its arrival (see the join engine).
/// </para>
/// <para>Engine thread only; the lags come from the ingest's last measurement.</para>
/// </remarks>
internal sealed class PartitionWatermark(TimeSpan idleAfter)
{
    private Slots _starts = new();
    private Slots _ends = new();

    /// <summary>How long a partition that is behind may yield nothing before it stops holding stream time back.</summary>
    public TimeSpan IdleAfter { get; } = idleAfter;

    /// <summary>Partitions (of either topic) left out of the last watermark as idle.</summary>
    public int IdlePartitions { get; private set; }

    /// <summary>Notes a record's timestamp for its partition, and the wall-clock time it was read.</summary>
    public void OnRecord(CallSide side, int partition, long timestampMillis, long wallMillis)
    {
        ref var slots = ref Of(side);
        slots.Grow(partition);
        if (timestampMillis > slots.Latest[partition])
        {
            slots.Latest[partition] = timestampMillis;
        }

        slots.Active[partition] = wallMillis;
    }

    /// <summary>While the partitions are paused (backpressure), silence is ours, not theirs: none becomes idle.</summary>
    public void OnPaused(long wallMillis)
    {
        Array.Fill(_starts.Active, wallMillis);
        Array.Fill(_ends.Active, wallMillis);
    }

    /// <summary>Forgets revoked partitions: if they come back, they are read again from their committed offsets.</summary>
    public void Forget(IReadOnlyList<int> partitions)
    {
        foreach (var p in partitions)
        {
            _starts.Reset(p);
            _ends.Reset(p);
        }
    }

    /// <summary>The watermark over <paramref name="assigned"/> partitions of both topics, given each one's lag.</summary>
    /// <param name="assigned">The partition numbers read (of both topics).</param>
    /// <param name="lag">The last lag measurement; a partition missing from it counts as not read to its end.</param>
    /// <param name="wallMillis">The wall clock, to tell idle partitions.</param>
    /// <param name="watermark">The lowest latest record time among the partitions not read to their end nor idle.</param>
    /// <param name="caughtUp">
    /// True when every partition has been read to its end or is idle (no watermark: the wall clock decides).
    /// </param>
    /// <returns>False when there is no watermark: nothing assigned, a partition not read yet, or all caught up.</returns>
    public bool TryGet(IReadOnlyList<int> assigned, IReadOnlyList<PartitionLag> lag, long wallMillis, out long watermark, out bool caughtUp)
    {
        watermark = long.MaxValue;
        caughtUp = false;
        IdlePartitions = 0;
        if (assigned.Count == 0)
        {
            return false;
        }

        MarkCaughtUp(lag);
        var behind = 0;
        var unread = false;
        foreach (var partition in assigned)
        {
            foreach (var side in Sides)
            {
                if (Of(side).IsCaughtUp(partition))
                {
                    continue;
                }

                ref var slots = ref Of(side);
                slots.Grow(partition);
                if (slots.Active[partition] == 0)
                {
                    slots.Active[partition] = wallMillis;   // first seen behind: its idle time starts now
                }

                if (wallMillis - slots.Active[partition] >= (long)IdleAfter.TotalMilliseconds)
                {
                    IdlePartitions++;
                    continue;
                }

                behind++;
                var latest = slots.Latest[partition];
                if (latest == long.MinValue)
                {
                    unread = true;   // still unread: it may hold the oldest records of all
                    continue;
                }

                watermark = Math.Min(watermark, latest);
            }
        }

        caughtUp = behind == 0;
        return !caughtUp && !unread;
    }

    private static readonly CallSide[] Sides = [CallSide.Start, CallSide.End];

    /// <summary>Notes which partitions the lag measurement saw read to their end (one pass, not one per partition).</summary>
    private void MarkCaughtUp(IReadOnlyList<PartitionLag> lag)
    {
        Array.Clear(_starts.CaughtUp);
        Array.Clear(_ends.CaughtUp);
        foreach (var l in lag)
        {
            ref var slots = ref Of(l.Side);
            slots.Grow(l.Partition);
            slots.CaughtUp[l.Partition] = l.Messages == 0;
        }
    }

    private ref Slots Of(CallSide side) => ref side == CallSide.Start ? ref _starts : ref _ends;

    /// <summary>
    /// Per partition of one topic: the latest record time read, when a record was last read (wall clock, 0: never), and
    /// whether the last lag measurement saw it read to its end (a partition missing from it is not).
    /// </summary>
    private struct Slots()
    {
        public long[] Latest = [];
        public long[] Active = [];
        public bool[] CaughtUp = [];

        public readonly bool IsCaughtUp(int partition) => partition < CaughtUp.Length && CaughtUp[partition];

        public void Grow(int partition)
        {
            if (partition < Latest.Length)
            {
                return;
            }

            var size = Math.Max(partition + 1, Latest.Length * 2);
            var latest = new long[size];
            Array.Fill(latest, long.MinValue);
            Latest.CopyTo(latest, 0);
            Latest = latest;
            var active = new long[size];
            Active.CopyTo(active, 0);
            Active = active;
            var caughtUp = new bool[size];
            CaughtUp.CopyTo(caughtUp, 0);
            CaughtUp = caughtUp;
        }

        public readonly void Reset(int partition)
        {
            if (partition < Latest.Length)
            {
                Latest[partition] = long.MinValue;
                Active[partition] = 0;
            }
        }
    }
}
