using System.Buffers;
using CallJoin.Core.Halves;
using CallJoin.Core.State;

namespace CallJoin.Core.Join;

public sealed partial class JoinEngine<TOutput>
{
    /// <summary>
    /// An arriving half against what the store holds for its key: store, match, or recognise a duplicate (of a waiting
    /// half, or of a recently matched call).
    /// </summary>
    /// <remarks>Holds the payload as a pointer: the caller keeps it pinned for the read-modify-write.</remarks>
    /// <param name="arrival">When the half reached stream time: its timeouts run from here.</param>
    /// <param name="timestamp">The half's own record timestamp, which its error records name.</param>
    private unsafe struct HalfMerge(
        JoinEngine<TOutput> engine, CallKey key, CallSide side, ulong hash, byte* payload, int payloadLength, SourcePosition position, long arrival, long timestamp)
        : IPendingMerge
    {
        public JoinOutcome Outcome;
        public bool Late;
        public SourcePosition PartnerPosition;
        public long PartnerTimestamp;

        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            var options = engine._options;

            // Refused whatever the store holds: a too-large half arriving first cannot wait, so one arriving second
            // must not join either, or the outcome would depend on arrival order.
            if (PendingRecord.HeaderSize + payloadLength > engine._store.MaxValueBytes)
            {
                Outcome = JoinOutcome.HalfTooLarge;
                return PendingAction.Keep;
            }

            if (!exists)
            {
                // A call matched recently: its halves redelivered are duplicates, not the start of a new call.
                if (engine._matched.TryGet(key, out var startHash32, out var endHash32))
                {
                    // 0: the half was not at hand (a call completed from a lookup), so any copy of it counts as a duplicate.
                    var known = side == CallSide.Start ? startHash32 : endHash32;
                    Outcome = known == 0 || known == (uint)hash ? JoinOutcome.Duplicate : JoinOutcome.Conflict;
                    return PendingAction.Keep;
                }

                // An end whose start, delivered on time, is out of the state already waits only briefly to be looked up.
                var flags = side == CallSide.Start ? RecordFlags.Start
                    : engine.StartLongTimedOut(arrival) ? RecordFlags.End | RecordFlags.ShortWait : RecordFlags.End;
                var timer = engine.Schedule(engine.Deadline(flags, arrival), key);
                var (startHash, endHash) = side == CallSide.Start ? (hash, 0UL) : (0UL, hash);
                PendingRecord.Write(next, flags, position, arrival, timestamp, startHash, endHash, timer, Payload());
                Outcome = JoinOutcome.Stored;
                return PendingAction.Write;
            }

            var record = new PendingRecord(current);
            var stored = record.Flags;
            var sameSide = side == CallSide.Start ? (stored & RecordFlags.Start) != 0 : (stored & RecordFlags.End) != 0;
            if (sameSide)
            {
                Outcome = record.HashOf(side) == hash ? JoinOutcome.Duplicate : JoinOutcome.Conflict;
                return PendingAction.Keep;
            }

            engine.CopyPartner(record.Payload);
            engine._timers.Cancel(record.Timer);
            PartnerPosition = record.Position;
            PartnerTimestamp = record.TimestampMillis;
            Outcome = JoinOutcome.Matched;
            Late = (stored & (RecordFlags.RunningEmitted | RecordFlags.StartMissingReported)) != 0;
            var (start, end) = side == CallSide.Start ? (hash, record.EndHash) : (record.StartHash, hash);
            engine._matched.Add(key, start, end, Math.Max(arrival, record.ArrivalMillis));
            return PendingAction.Delete;
        }

        private readonly ReadOnlySpan<byte> Payload() => new(payload, payloadLength);
    }
}
