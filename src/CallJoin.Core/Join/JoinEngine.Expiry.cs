using System.Buffers;
using CallJoin.Core.Halves;
using CallJoin.Core.State;
using CallJoin.Core.Timers;

namespace CallJoin.Core.Join;

public sealed partial class JoinEngine<TOutput>
{
    /// <summary>A key's timer fired at <paramref name="deadline"/>: apply the timeout its record is waiting for.</summary>
    private void Expire(in CallKey key, long deadline)
    {
        var merge = new ExpiryMerge(this, key, deadline);
        ReadModifyWrite(key, ref merge);
        var partner = _partner.AsSpan(0, _partnerLength);
        switch (merge.Outcome)
        {
            case ExpiryOutcome.LookUp:
                Counters.Lookups++;
                Counters.EarlyLookups += merge.ShortWait ? 1 : 0;
                HalfParser.TryReadKey(partner, merge.Side, _partnerKey);
                _lookup!.Request(merge.Side, _partnerKey.ProjectId, _partnerKey.Id);
                break;
            case ExpiryOutcome.Running:
                if (!EmitRunning(partner, merge.Position, merge.TimestampMillis, deadline, releasesStart: false))
                {
                    // The start can never become a row (its end would fail the same way): its record releases it, so
                    // it leaves the state now rather than be released again at retention or by a late end.
                    _timers.Cancel(merge.Timer);
                    var remove = new RemoveMerge();
                    _store.ReadModifyWrite(key, ref remove);
                }

                break;
            case ExpiryOutcome.StartMissing:
                EmitStartMissing(partner, merge.Position, merge.TimestampMillis, deadline, releasesEnd: false);
                break;
            case ExpiryOutcome.ExpiredStart:
                Counters.ExpiredStarts++;
                _output.OnReleased(CallSide.Start, merge.Position);
                break;
            case ExpiryOutcome.ExpiredEnd:
                Counters.ExpiredEnds++;
                _output.OnReleased(CallSide.End, merge.Position);
                break;
        }
    }

    /// <summary>Writes a start's running row; false (and an error record for the start) when it cannot become a row.</summary>
    private bool EmitRunning(ReadOnlySpan<byte> start, SourcePosition position, long timestampMillis, long at, bool releasesStart)
    {
        var status = _builder.Build(start, default, _row);
        if (status != HalfParseStatus.Ok)
        {
            Counters.Malformed++;
            HalfParser.TryReadKey(start, CallSide.Start, _partnerKey);
            _output.OnError(new JoinError(_builder.Reason(status), CallSide.Start, position, timestampMillis, at,
                _partnerKey.ProjectId, _partnerKey.Id, start));
            return false;
        }

        Counters.RunningRows++;
        Counters.RowsWithDumpsReplaced += _row.DumpsReplaced > 0 ? 1 : 0;
        _output.OnRow(_row, RowVersion.Running(_row),
            new RowSources(position, default, Complete: false) { StartHalf = start, ReleasesStart = releasesStart });
        return true;
    }

    /// <summary>Writes an end's <c>start_missing</c> record with its raw payload.</summary>
    private void EmitStartMissing(ReadOnlySpan<byte> end, SourcePosition position, long timestampMillis, long at, bool releasesEnd)
    {
        Counters.StartMissing++;
        HalfParser.TryReadKey(end, CallSide.End, _partnerKey);
        _output.OnError(new JoinError(JoinErrorReason.StartMissing, CallSide.End, position, timestampMillis, at, _partnerKey.ProjectId, _partnerKey.Id, end)
        {
            ReleasesHalf = releasesEnd,
        });
    }

    private enum ExpiryOutcome : byte
    {
        None,
        LookUp,
        Running,
        StartMissing,
        ExpiredStart,
        ExpiredEnd,
    }

    /// <summary>Routes fired timers back to the engine.</summary>
    private readonly struct ExpirySink(JoinEngine<TOutput> engine) : ITimerSink<PendingTimer>
    {
        public void OnExpired(long deadline, in PendingTimer payload)
        {
            engine._causeSequence = payload.Sequence;
            engine._causeTimeoutAt = engine._timers.Now;
            engine.Expire(payload.Key, deadline);
        }
    }

    /// <summary>
    /// Retained: the first timeout turns a waiting half into a running row or start_missing, the second drops it. Looked
    /// up: the timeout keeps the half (without a timer) while its call is looked up.
    /// </summary>
    private struct ExpiryMerge(JoinEngine<TOutput> engine, CallKey key, long deadline) : IPendingMerge
    {
        public ExpiryOutcome Outcome;
        public bool ShortWait;
        public CallSide Side;
        public SourcePosition Position;
        public long TimestampMillis;
        public TimerHandle Timer;

        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            if (!exists)
            {
                return PendingAction.Keep;
            }

            var record = new PendingRecord(current);
            var flags = record.Flags;
            if ((flags & RecordFlags.Completed) != 0)
            {
                return PendingAction.Delete;
            }

            // A timer whose cancel could not reach it (scheduled at a restore, whose records keep the old handles) may
            // outlive its record: the key's record now is another one, due later.
            if (engine.NextDeadline(record) > deadline)
            {
                return PendingAction.Keep;
            }

            var isStart = (flags & RecordFlags.Start) != 0;
            Side = isStart ? CallSide.Start : CallSide.End;
            if (engine._options.LatePartners == LatePartnerSource.Lookup)
            {
                if ((flags & RecordFlags.LookingUp) != 0)
                {
                    return PendingAction.Keep;
                }

                engine.CopyPartner(record.Payload);
                Outcome = ExpiryOutcome.LookUp;
                ShortWait = (flags & RecordFlags.ShortWait) != 0;
                Position = record.Position;
                PendingRecord.Write(next, flags | RecordFlags.LookingUp, record.Position, record.ArrivalMillis, record.TimestampMillis, record.StartHash, record.EndHash, default, record.Payload);
                return PendingAction.Write;
            }

            var reported = isStart ? RecordFlags.RunningEmitted : RecordFlags.StartMissingReported;
            if ((flags & reported) != 0)
            {
                Outcome = isStart ? ExpiryOutcome.ExpiredStart : ExpiryOutcome.ExpiredEnd;
                Position = record.Position;
                return PendingAction.Delete;
            }

            engine.CopyPartner(record.Payload);
            Outcome = isStart ? ExpiryOutcome.Running : ExpiryOutcome.StartMissing;
            Position = record.Position;
            TimestampMillis = record.TimestampMillis;
            var retention = isStart ? engine._options.StartRetention : engine._options.EndRetention;
            var timer = engine.Schedule(Plus(record.ArrivalMillis, retention), key);
            Timer = timer;
            PendingRecord.Write(next, flags | reported, record.Position, record.ArrivalMillis, record.TimestampMillis, record.StartHash, record.EndHash, timer, record.Payload);
            return PendingAction.Write;
        }
    }

    /// <summary>Removes the key's entry.</summary>
    private readonly struct RemoveMerge : IPendingMerge
    {
        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next) =>
            exists ? PendingAction.Delete : PendingAction.Keep;
    }
}
