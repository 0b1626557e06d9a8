using System.Buffers;
using CallJoin.Core.State;

namespace CallJoin.Core.Join;

public sealed partial class JoinEngine<TOutput>
{
    /// <summary>
    /// Takes over a store reopened from a checkpoint: schedules every record's next timeout again (timers are not part
    /// of a checkpoint; each record's flags and timestamp say which is next), then moves stream time to
    /// <paramref name="streamTimeMillis"/>. What fell due meanwhile is applied by the next <c>AdvanceTime</c> or record,
    /// so a caller can apply it in slices. Returns how many keys were rescheduled.
    /// </summary>
    /// <remarks>Call once, on a new engine, before any other call. Scans the whole store.</remarks>
    public int RestoreTimers(long streamTimeMillis)
    {
        List<CallKey> keys = [];
        var collector = new KeyCollector(keys);
        _store.Visit(ref collector);
        foreach (var key in keys)
        {
            var merge = new RescheduleMerge(this, key);
            _store.ReadModifyWrite(key, ref merge);
        }

        AdvanceTime(streamTimeMillis, maxTimeouts: 0);
        return keys.Count;
    }

    private readonly struct KeyCollector(List<CallKey> keys) : IPendingVisitor
    {
        public void Visit(in CallKey key, ReadOnlySpan<byte> value) => keys.Add(key);
    }

    /// <summary>Rewrites a record with a fresh timer for its next deadline, as the merge that wrote it scheduled it.</summary>
    private readonly struct RescheduleMerge(JoinEngine<TOutput> engine, CallKey key) : IPendingMerge
    {
        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            if (!exists)
            {
                return PendingAction.Keep;
            }

            var record = new PendingRecord(current);
            var flags = record.Flags;
            var options = engine._options;
            var wait = (flags & RecordFlags.Completed) != 0 ? options.CompletedRetention
                : (flags & RecordFlags.Start) != 0
                    ? ((flags & RecordFlags.RunningEmitted) != 0 ? options.StartRetention : options.StartTimeout)
                    : ((flags & RecordFlags.StartMissingReported) != 0 ? options.EndRetention : options.EndTimeout);
            var timer = engine.Schedule(Plus(record.TimestampMillis, wait), key);
            PendingRecord.Write(next, flags, record.Position, record.TimestampMillis, record.StartHash, record.EndHash, timer, record.Payload);
            return PendingAction.Write;
        }
    }
}
