using System.Buffers;
using CallJoin.Core.Halves;
using CallJoin.Core.State;

namespace CallJoin.Core.Join;

public sealed partial class JoinEngine<TOutput>
{
    /// <summary>
    /// Takes over a store reopened from a checkpoint: drops the records of partitions not <paramref name="owned"/>, schedules
    /// every other record's next timeout again (timers are not part of a checkpoint; each record's flags and timestamp say
    /// which is next), asks again the lookups that were under way, then moves stream time to <paramref name="streamTimeMillis"/>.
    /// What fell due meanwhile is applied by the next <c>AdvanceTime</c> or record, so a caller can apply it in slices.
    /// </summary>
    /// <param name="owned">Whether this instance reads a partition; null keeps every record.</param>
    /// <param name="unreleased">Receives the position of every half kept that nothing released yet, so its offset stays uncommitted.</param>
    /// <returns>How many keys were kept.</returns>
    /// <remarks>Call once, on a new engine, before any other call. Scans the whole store.</remarks>
    public int RestoreTimers(long streamTimeMillis, Func<int, bool>? owned = null, ICollection<(CallSide Side, SourcePosition Position)>? unreleased = null)
    {
        List<CallKey> keys = [];
        var collector = new KeyCollector(keys);
        _store.Visit(ref collector);
        var kept = 0;
        foreach (var key in keys)
        {
            var merge = new RescheduleMerge(this, key, owned);
            _store.ReadModifyWrite(key, ref merge);
            if (!merge.Kept)
            {
                continue;
            }

            kept++;
            if (merge.Unreleased)
            {
                unreleased?.Add((merge.Side, merge.Position));
            }

            if (merge.LookingUp)
            {
                Counters.Lookups++;
                var payload = _partner.AsSpan(0, _partnerLength);
                HalfParser.TryReadKey(payload, merge.Side, _partnerKey);
                _lookup!.Request(merge.Side, _partnerKey.ProjectId, _partnerKey.Id);
            }
        }

        AdvanceTime(streamTimeMillis, maxTimeouts: 0);
        return kept;
    }

    private readonly struct KeyCollector(List<CallKey> keys) : IPendingVisitor
    {
        public void Visit(in CallKey key, ReadOnlySpan<byte> value) => keys.Add(key);
    }

    /// <summary>Rewrites a record with a fresh timer for its next deadline, as the merge that wrote it scheduled it.</summary>
    private struct RescheduleMerge(JoinEngine<TOutput> engine, CallKey key, Func<int, bool>? owned) : IPendingMerge
    {
        public bool Kept;
        public bool Unreleased;
        public bool LookingUp;
        public CallSide Side;
        public SourcePosition Position;

        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            if (!exists)
            {
                return PendingAction.Keep;
            }

            var record = new PendingRecord(current);
            var flags = record.Flags;

            // Tombstones of matched calls, as older checkpoints hold them, are not carried over.
            if ((flags & RecordFlags.Completed) != 0 || (owned is not null && !owned(record.Position.Partition)))
            {
                return PendingAction.Delete;
            }

            Kept = true;
            Side = (flags & RecordFlags.Start) != 0 ? CallSide.Start : CallSide.End;
            Position = record.Position;
            Unreleased = (flags & (RecordFlags.RunningEmitted | RecordFlags.StartMissingReported)) == 0;
            var lookup = engine._options.LatePartners == LatePartnerSource.Lookup;
            if (lookup && (flags & RecordFlags.LookingUp) != 0)
            {
                LookingUp = true;
                engine.CopyPartner(record.Payload);
                return PendingAction.Keep;
            }

            var options = engine._options;
            var wait = Side == CallSide.Start
                ? ((flags & RecordFlags.RunningEmitted) != 0 ? options.StartRetention : options.StartTimeout)
                : ((flags & RecordFlags.StartMissingReported) != 0 ? options.EndRetention : options.EndTimeout);
            var timer = engine.Schedule(Plus(record.ArrivalMillis, wait), key);
            PendingRecord.Write(next, flags & ~RecordFlags.LookingUp, record.Position, record.ArrivalMillis, record.TimestampMillis, record.StartHash, record.EndHash, timer, record.Payload);
            return PendingAction.Write;
        }
    }
}
