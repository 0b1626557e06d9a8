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
        var merge = new ExpiryMerge(this, key);
        _store.ReadModifyWrite(key, ref merge);
        var partner = _partner.AsSpan(0, _partnerLength);
        switch (merge.Outcome)
        {
            case ExpiryOutcome.Running:
                var status = _builder.Build(partner, default, _row);
                if (status != HalfParseStatus.Ok)
                {
                    // The start can never become a row (its end would fail the same way): its record releases it, so
                    // it leaves the state now rather than be released again at retention or by a late end.
                    _timers.Cancel(merge.Timer);
                    var remove = new RemoveMerge();
                    _store.ReadModifyWrite(key, ref remove);
                    Counters.Malformed++;
                    HalfParser.TryReadKey(partner, CallSide.Start, _partnerKey);
                    _output.OnError(new JoinError(_builder.Reason(status), CallSide.Start, merge.Position, merge.TimestampMillis, deadline,
                        _partnerKey.ProjectId, _partnerKey.Id, partner));
                    return;
                }

                Counters.RunningRows++;
                Counters.Oversize += _row.OversizeReplaced > 0 ? 1 : 0;
                _output.OnRow(_row, RowVersion.Running(_row), new RowSources(merge.Position, default, Complete: false) { StartHalf = partner });
                break;
            case ExpiryOutcome.StartMissing:
                Counters.StartMissing++;
                HalfParser.TryReadKey(partner, CallSide.End, _partnerKey);
                _output.OnError(new JoinError(JoinErrorReason.StartMissing, CallSide.End, merge.Position, merge.TimestampMillis, deadline, _partnerKey.ProjectId, _partnerKey.Id, partner));
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

    private enum ExpiryOutcome : byte
    {
        None,
        Running,
        StartMissing,
        ExpiredStart,
        ExpiredEnd,
    }

    /// <summary>Routes fired timers back to the engine.</summary>
    private readonly struct ExpirySink(JoinEngine<TOutput> engine) : ITimerSink<CallKey>
    {
        public void OnExpired(long deadline, in CallKey payload) => engine.Expire(payload, deadline);
    }

    /// <summary>The first timeout turns a waiting half into a running row or start_missing; the second drops it.</summary>
    private struct ExpiryMerge(JoinEngine<TOutput> engine, CallKey key) : IPendingMerge
    {
        public ExpiryOutcome Outcome;
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

            var isStart = (flags & RecordFlags.Start) != 0;
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
            var timer = engine.Schedule(Plus(record.TimestampMillis, retention), key);
            Timer = timer;
            PendingRecord.Write(next, flags | reported, record.Position, record.TimestampMillis, record.StartHash, record.EndHash, timer, record.Payload);
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
