using System.Buffers;
using CallJoin.Core.Halves;
using CallJoin.Core.State;

namespace CallJoin.Core.Join;

public sealed partial class JoinEngine<TOutput>
{
    /// <summary>
    /// Applies the answer to a lookup (<see cref="LatePartnerSource.Lookup"/>): the half still waiting for it leaves the
    /// state with the outcome the in-state join would have given, had its partner's outcome still been here.
    /// </summary>
    /// <remarks>
    /// <para>A start: with its orphan end's raw payload, the complete row; else, when the call already has a row (a
    /// redelivered start), a duplicate; else its running row. An end: when the call is already complete, a duplicate;
    /// with the start's running row, the complete row, built from that row and the end (the row the in-state join
    /// writes, column for column and version); else its <c>start_missing</c> record. Each releases the waiting half.</para>
    /// <para>An answer for a half that is no longer waiting (its partner arrived meanwhile, or its partition was given
    /// up) is ignored: returns false.</para>
    /// </remarks>
    public bool Resolve(in LatePartner answer)
    {
        var key = CallKey.From(answer.ProjectId, answer.Id);
        var merge = new ResolveMerge(this, answer.Side);
        _store.ReadModifyWrite(key, ref merge);
        if (!merge.Found)
        {
            return false;
        }

        Counters.LookupsAnswered++;
        var half = _partner.AsSpan(0, _partnerLength);
        var at = _now;
        if (answer.Side == CallSide.Start)
        {
            if (!answer.StartMissingEnd.IsEmpty)
            {
                CompleteLate(key, half, answer.StartMissingEnd, merge, at,
                    new RowSources(merge.Position, default, Complete: true) { StartHalf = half, EndHalf = answer.StartMissingEnd, ReleasesEnd = false });
            }
            else if (answer.CallComplete || answer.RunningRow is not null)
            {
                Counters.Duplicates++;
                _output.OnReleased(CallSide.Start, merge.Position);
            }
            else
            {
                EmitRunning(half, merge.Position, merge.TimestampMillis, at, releasesStart: true);
            }

            return true;
        }

        if (answer.CallComplete)
        {
            Counters.Duplicates++;
            _output.OnReleased(CallSide.End, merge.Position);
        }
        else if (answer.RunningRow is { } running)
        {
            // A running row whose start had a dump replaced by the oversize marker no longer holds that dump: the row is
            // then the stored dumps with the end's, under the same size rule (the best that can be written).
            var status = _builder.Complete(running, half, _row, out _);
            if (status != HalfParseStatus.Ok)
            {
                Counters.Malformed++;
                HalfParser.TryReadKey(half, CallSide.End, _partnerKey);
                _output.OnError(new JoinError(_builder.Reason(status), CallSide.End, merge.Position, merge.TimestampMillis, at,
                    _partnerKey.ProjectId, _partnerKey.Id, half));
                return true;
            }

            Counters.Matched++;
            Counters.LateMatched++;
            Counters.RowsWithDumpsReplaced += _row.DumpsReplaced > 0 ? 1 : 0;
            _matched.Add(key, 0, merge.Hash, at);
            _output.OnRow(_row, RowVersion.Complete(_row),
                new RowSources(default, merge.Position, Complete: true) { EndHalf = half, ReleasesStart = false });
        }
        else
        {
            EmitStartMissing(half, merge.Position, merge.TimestampMillis, at, releasesEnd: true);
        }

        return true;
    }

    /// <summary>A waiting start meets its orphan end's raw payload: the complete row, or the error its build gives.</summary>
    private void CompleteLate(in CallKey key, ReadOnlySpan<byte> start, ReadOnlySpan<byte> end, in ResolveMerge merge, long at, in RowSources sources)
    {
        var status = _builder.Build(start, end, _row);
        if (status != HalfParseStatus.Ok)
        {
            // The end already has its start_missing record: only the start is named.
            Counters.Malformed++;
            HalfParser.TryReadKey(start, CallSide.Start, _partnerKey);
            _output.OnError(new JoinError(status == HalfParseStatus.KeyMismatch ? JoinErrorReason.KeyCollision : _builder.Reason(status),
                CallSide.Start, merge.Position, merge.TimestampMillis, at, _partnerKey.ProjectId, _partnerKey.Id, start));
            return;
        }

        Counters.Matched++;
        Counters.LateMatched++;
        Counters.RowsWithDumpsReplaced += _row.DumpsReplaced > 0 ? 1 : 0;
        _matched.Add(key, merge.Hash, System.IO.Hashing.XxHash3.HashToUInt64(end), at);
        _output.OnRow(_row, RowVersion.Complete(_row), sources);
    }

    /// <summary>Takes the half waiting for a lookup out of the store (ignores a key that is not waiting on one).</summary>
    private struct ResolveMerge(JoinEngine<TOutput> engine, CallSide side) : IPendingMerge
    {
        public bool Found;
        public SourcePosition Position;
        public long TimestampMillis;
        public ulong Hash;

        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            if (!exists)
            {
                return PendingAction.Keep;
            }

            var record = new PendingRecord(current);
            var flags = record.Flags;
            var sideFlag = side == CallSide.Start ? RecordFlags.Start : RecordFlags.End;
            if ((flags & RecordFlags.LookingUp) == 0 || (flags & sideFlag) == 0)
            {
                return PendingAction.Keep;
            }

            engine.CopyPartner(record.Payload);
            Found = true;
            Position = record.Position;
            TimestampMillis = record.TimestampMillis;
            Hash = record.HashOf(side);
            return PendingAction.Delete;
        }
    }
}
