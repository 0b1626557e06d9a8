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
        // One sequential scan reads what each record needs; records are rewritten only when they must change (dropped,
        // or a lookup flag under retained state), so a large state spilled to disk is read once, not read and copied.
        var scan = new RestoreScan(this, owned, unreleased);
        _store.Visit(ref scan);

        // The records keep the handles of the wheel that wrote them: this one issues only newer generations, so those
        // can cancel nothing here. A timer left running after its record is gone, or rewritten, fires as a no-op.
        _timers.IssueGenerationsAbove(scan.Work.MaxGeneration);
        foreach (var (key, deadline) in scan.Work.Due)
        {
            Schedule(deadline, key);
        }

        foreach (var key in scan.Work.Dropped)
        {
            var remove = new RemoveMerge();
            _store.ReadModifyWrite(key, ref remove);
        }

        foreach (var key in scan.Work.Rewritten)
        {
            var merge = new RescheduleMerge(this, key);
            _store.ReadModifyWrite(key, ref merge);
        }

        AdvanceTime(streamTimeMillis, maxTimeouts: 0);
        return scan.Work.Kept;
    }

    /// <summary>When a record is next due, as the merge that wrote it scheduled it.</summary>
    private long NextDeadline(in PendingRecord record) => Deadline(record.Flags, record.ArrivalMillis);

    /// <summary>When a record with these flags, arrived at <paramref name="arrivalMillis"/>, is next due.</summary>
    private long Deadline(RecordFlags flags, long arrivalMillis)
    {
        var wait = (flags & RecordFlags.Start) != 0
            ? ((flags & RecordFlags.RunningEmitted) != 0 ? _options.StartRetention : _options.StartTimeout)
            : (flags & RecordFlags.StartMissingReported) != 0 ? _options.EndRetention
            : (flags & RecordFlags.ShortWait) != 0 && _options.EarlyLookupWait < _options.EndTimeout ? _options.EarlyLookupWait
            : _options.EndTimeout;
        return Plus(arrivalMillis, wait);
    }

    /// <summary>What a restore's scan found: timers to schedule and records to drop or rewrite.</summary>
    private sealed class RestoreWork
    {
        public List<(CallKey Key, long Deadline)> Due { get; } = [];

        public List<CallKey> Dropped { get; } = [];

        public List<CallKey> Rewritten { get; } = [];

        public int Kept { get; set; }

        public int MaxGeneration { get; set; }
    }

    /// <summary>Reads every record once: keeps, schedules, asks again its lookup, or marks it to drop.</summary>
    private readonly struct RestoreScan(JoinEngine<TOutput> engine, Func<int, bool>? owned, ICollection<(CallSide Side, SourcePosition Position)>? unreleased)
        : IPendingVisitor
    {
        public RestoreWork Work { get; } = new();

        public void Visit(in CallKey key, ReadOnlySpan<byte> value)
        {
            var record = new PendingRecord(value);
            var flags = record.Flags;
            Work.MaxGeneration = Math.Max(Work.MaxGeneration, record.Timer.Generation);

            // Tombstones of matched calls, as older checkpoints hold them, are not carried over.
            if ((flags & RecordFlags.Completed) != 0 || (owned is not null && !owned(record.Position.Partition)))
            {
                Work.Dropped.Add(key);
                return;
            }

            Work.Kept++;
            var side = (flags & RecordFlags.Start) != 0 ? CallSide.Start : CallSide.End;
            if ((flags & (RecordFlags.RunningEmitted | RecordFlags.StartMissingReported)) == 0)
            {
                unreleased?.Add((side, record.Position));
            }

            if ((flags & RecordFlags.LookingUp) == 0)
            {
                Work.Due.Add((key, engine.NextDeadline(record)));
            }
            else if (engine._options.LatePartners == LatePartnerSource.Lookup)
            {
                engine.Counters.Lookups++;
                HalfParser.TryReadKey(record.Payload, side, engine._partnerKey);
                engine._lookup!.Request(side, engine._partnerKey.ProjectId, engine._partnerKey.Id);
            }
            else
            {
                Work.Rewritten.Add(key);   // looked up under another setting: it waits for its timeout again
            }
        }
    }

    /// <summary>Clears a record's lookup flag and schedules its timeout again (a restore under retained state).</summary>
    private readonly struct RescheduleMerge(JoinEngine<TOutput> engine, CallKey key) : IPendingMerge
    {
        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            if (!exists)
            {
                return PendingAction.Keep;
            }

            var record = new PendingRecord(current);
            var timer = engine.Schedule(engine.NextDeadline(record), key);
            PendingRecord.Write(next, record.Flags & ~RecordFlags.LookingUp, record.Position, record.ArrivalMillis, record.TimestampMillis, record.StartHash, record.EndHash, timer, record.Payload);
            return PendingAction.Write;
        }
    }
}
