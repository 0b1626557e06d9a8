using System.IO.Hashing;
using CallJoin.Core.Halves;
using CallJoin.Core.State;
using CallJoin.Core.Timers;

namespace CallJoin.Core.Join;

/// <summary>
/// Joins call starts and ends into calls_complete rows: one read-modify-write of the pending store per event, expiry
/// by a timer wheel on stream time (the highest record timestamp seen), so a replay gives the live run's output.
/// </summary>
/// <remarks>
/// <para>
/// Rules: a start and an end with the same (project_id, id) give one complete row with the start's started_at,
/// whichever came first. An exact duplicate half is counted and ignored; a different half for the same key and side
/// keeps the first and writes a <c>conflicting_duplicate</c> error. An end alone for <see cref="JoinOptions.EndTimeout"/>
/// writes <c>start_missing</c> and waits <see cref="JoinOptions.EndRetention"/> more for a late start. A start alone
/// for <see cref="JoinOptions.StartTimeout"/> writes a running row and waits <see cref="JoinOptions.StartRetention"/>
/// more for its end. Malformed input writes an error record with its reason. A half larger than the store's largest
/// value writes <c>half_too_large</c> and is not joined, whichever half came first, so its partner meets the timeout
/// it would meet alone: the outcome does not depend on arrival order.
/// </para>
/// <para>
/// Row versions (created_at) come from the call's own times, not the wall clock or record timestamps: a running row
/// gets its started_at and a complete row its ended_at (at least started_at + 1 ms), so in the ReplacingMergeTree a
/// complete row always supersedes the running row of the same call, whatever the arrival order, however often a half
/// is redelivered (a re-published start carries a newer record timestamp, not a newer started_at), and however often
/// input is read again after a restart.
/// </para>
/// <para>Single-threaded: one engine per consuming thread, with its own store session and wheel.</para>
/// </remarks>
public sealed partial class JoinEngine<TOutput>
    where TOutput : IJoinOutput
{
    private readonly IPendingStore _store;
    private readonly InMemoryPendingStore? _memoryStore;
    private readonly JoinOptions _options;
    private readonly TOutput _output;
    private readonly ILatePartnerLookup? _lookup;
    private readonly MatchedCalls _matched;
    private readonly TimerWheel<PendingTimer> _timers = new(long.MinValue);
    private readonly HalfKey _key = new();
    private readonly HalfKey _partnerKey = new();
    private readonly CallRowBuilder _builder;
    private readonly CallRowData _row = new();
    private byte[] _partner = new byte[4096];
    private int _partnerLength;
    private long _now = long.MinValue;
    private long _causeSequence;
    private long _causeTimeoutAt = long.MaxValue;

    /// <param name="lookup">Required with <see cref="LatePartnerSource.Lookup"/>: where timed-out halves' calls are looked up.</param>
    /// <param name="matched">The matched calls restored with the store from a checkpoint; null starts with none.</param>
    public JoinEngine(IPendingStore store, JoinOptions options, TOutput output, ILatePartnerLookup? lookup = null, MatchedCalls? matched = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.LatePartners == LatePartnerSource.Lookup && lookup is null)
        {
            throw new ArgumentNullException(nameof(lookup), "Late partners found by lookup need a lookup.");
        }

        _store = store;
        _memoryStore = store as InMemoryPendingStore;
        _options = options;
        _output = output;
        _lookup = lookup;
        _matched = matched ?? new MatchedCalls(options.CompletedRetention);
        _builder = new CallRowBuilder(options.MaxDumpBytes);
    }

    public JoinCounters Counters { get; } = new();

    /// <summary>Stream time: the highest record timestamp (or idle advance) seen, in ms since the Unix epoch.</summary>
    public long Now => _now;

    /// <summary>Keys waiting on a timer: unmatched halves younger than their timeout (or, retained, their retention).</summary>
    public int PendingTimers => _timers.Count;

    /// <summary>Recently matched calls remembered to recognise redelivered halves.</summary>
    public MatchedCalls Matched => _matched;

    /// <summary>Size of the pending state.</summary>
    public PendingStoreStats State => _store.Stats;

    /// <summary>The input sequence number the next processed record takes (each <c>Process</c> call takes one and adds one).</summary>
    /// <remarks>
    /// A replay over several engines sets each record's number in the merged input before processing it, so that output
    /// from different engines can be put back in the one engine's order (see <see cref="CauseSequence"/>).
    /// </remarks>
    public long InputSequence { get; set; }

    /// <summary>
    /// While the output is called: the input sequence number of the record being processed, or, while a timeout is
    /// applied, of the record that brought the half timing out.
    /// </summary>
    public long CauseSequence => _causeSequence;

    /// <summary>
    /// While the output is called for a timeout: the stream time at which it fell due (timeouts apply in that order, then
    /// in the order they were scheduled); <see cref="long.MaxValue"/> while a record is processed.
    /// </summary>
    public long CauseTimeoutAt => _causeTimeoutAt;

    /// <summary>Whether advancing stream time to <paramref name="nowMillis"/> has timers to fire or move (cheap, O(1)).</summary>
    public bool HasTimersDueBy(long nowMillis) => _timers.TryGetNextWakeTime(out var due) && due <= nowMillis;

    /// <summary>Feeds one half whose message key is unknown. Never throws on bad input: that becomes an error record.</summary>
    public JoinOutcome Process(CallSide side, ReadOnlySpan<byte> payload, SourcePosition position, long timestampMillis) =>
        Process(side, payload, default, position, timestampMillis);

    /// <summary>Feeds one half with its message key (the call id, UTF-8). Never throws on bad input: that becomes an error record.</summary>
    /// <remarks>
    /// A non-empty <paramref name="messageKey"/> that differs from the payload's id gives a <c>key_mismatch</c> record and
    /// the half is not joined; an empty key (a producer that sets none) is accepted, as partitioning cannot be checked.
    /// </remarks>
    public JoinOutcome Process(CallSide side, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> messageKey, SourcePosition position, long timestampMillis)
    {
        var sequence = InputSequence++;
        if (side == CallSide.Start)
        {
            Counters.StartsConsumed++;
        }
        else
        {
            Counters.EndsConsumed++;
        }

        if (_options.RecordsAdvanceTime)
        {
            AdvanceTime(timestampMillis);
        }

        _causeSequence = sequence;
        _causeTimeoutAt = long.MaxValue;
        var status = HalfParser.TryReadKey(payload, side, _key);
        if (status != HalfParseStatus.Ok)
        {
            Counters.Malformed++;
            _output.OnError(new JoinError(_key.Reason(status), side, position, timestampMillis, At(timestampMillis), _key.ProjectId, _key.Id, payload));
            return JoinOutcome.Malformed;
        }

        if (!messageKey.IsEmpty && !messageKey.SequenceEqual(_key.Id))
        {
            Counters.KeyMismatches++;
            _output.OnError(new JoinError(JoinErrorReason.KeyMismatch, side, position, timestampMillis, At(timestampMillis), _key.ProjectId, _key.Id, payload));
            return JoinOutcome.KeyMismatch;
        }

        // A half's timeouts run from when it reached stream time: one stamped in the past (a client's clock behind, a
        // partition read late) still waits its full timeout for its partner instead of expiring on arrival.
        var key = CallKey.From(_key.ProjectId, _key.Id);
        var merge = Merge(key, side, payload, position, Math.Max(timestampMillis, _now), timestampMillis);
        switch (merge.Outcome)
        {
            case JoinOutcome.Matched:
                ReadOnlySpan<byte> partner = _partner.AsSpan(0, _partnerLength);
                var start = side == CallSide.Start ? payload : partner;
                var end = side == CallSide.Start ? partner : payload;
                var sources = side == CallSide.Start
                    ? new RowSources(position, merge.PartnerPosition, Complete: true) { StartHalf = start, EndHalf = end }
                    : new RowSources(merge.PartnerPosition, position, Complete: true) { StartHalf = start, EndHalf = end };
                EmitComplete(start, end, sources, side, position, timestampMillis, payload, merge.PartnerTimestamp);
                Counters.LateMatched += merge.Late ? 1 : 0;
                break;
            case JoinOutcome.Duplicate:
                Counters.Duplicates++;
                _output.OnReleased(side, position);
                break;
            case JoinOutcome.HalfTooLarge:
                Counters.HalvesTooLarge++;
                _output.OnError(new JoinError(JoinErrorReason.HalfTooLarge, side, position, timestampMillis, At(timestampMillis), _key.ProjectId, _key.Id, payload));
                break;
            case JoinOutcome.Conflict:
                Counters.Conflicts++;
                _output.OnError(new JoinError(JoinErrorReason.ConflictingDuplicate, side, position, timestampMillis, At(timestampMillis), _key.ProjectId, _key.Id, payload));
                break;
        }

        return merge.Outcome;
    }

    /// <summary>Moves stream time forward (never back) and applies every timeout due by then.</summary>
    /// <remarks>
    /// With <see cref="JoinOptions.RecordsAdvanceTime"/> each record moves it too. The service instead advances it to a
    /// watermark across its partitions, and to the wall clock when input is idle; a replay never calls this.
    /// </remarks>
    public void AdvanceTime(long nowMillis) => AdvanceTime(nowMillis, int.MaxValue);

    /// <summary>
    /// Moves stream time forward (never back) and applies at most <paramref name="maxTimeouts"/> of the timeouts due by
    /// then, in deadline order; returns false when more are due (call again, with any time, to go on).
    /// </summary>
    /// <remarks>
    /// Lets the caller fire a large jump of stream time in slices while its output has room, so a backlog of timeouts
    /// (a restart after a long stop, a ClickHouse outage) never buffers a row for every pending half at once. A half that
    /// arrives meanwhile meets its partner as if its timeout had not fired yet: the same complete row, one running row
    /// or <c>start_missing</c> record fewer.
    /// </remarks>
    public bool AdvanceTime(long nowMillis, int maxTimeouts)
    {
        _now = Math.Max(_now, nowMillis);
        _matched.Advance(_now);
        var sink = new ExpirySink(this);
        var budget = maxTimeouts;

        // A timeout may schedule the next one already due (a late record's retention); apply those too.
        while (_timers.TryGetNextWakeTime(out var due) && due <= _now)
        {
            if (budget <= 0)
            {
                return false;
            }

            budget -= _timers.Advance(_now, ref sink, budget);
        }

        return true;
    }

    /// <summary>Whether timeouts due by <see cref="Now"/> are still to be applied (see <see cref="AdvanceTime(long, int)"/>).</summary>
    public bool TimeoutsDue => _timers.TryGetNextWakeTime(out var due) && due <= _now;

    /// <summary>End of input: applies the same rules to everything left, as if time ran on until nothing waits.</summary>
    public void Drain()
    {
        var sink = new ExpirySink(this);
        while (_timers.Count > 0)
        {
            _timers.Advance(long.MaxValue, ref sink);
        }
    }

    private unsafe HalfMerge Merge(in CallKey key, CallSide side, ReadOnlySpan<byte> payload, SourcePosition position, long arrivalMillis, long timestampMillis)
    {
        fixed (byte* pinned = payload)
        {
            var merge = new HalfMerge(this, key, side, XxHash3.HashToUInt64(payload), pinned, payload.Length, position, arrivalMillis, timestampMillis);
            ReadModifyWrite(key, ref merge);
            return merge;
        }
    }

    private void EmitComplete(ReadOnlySpan<byte> start, ReadOnlySpan<byte> end, in RowSources sources,
        CallSide side, SourcePosition position, long timestampMillis, ReadOnlySpan<byte> payload, long partnerTimestampMillis)
    {
        var status = _builder.Build(start, end, _row);
        if (status == HalfParseStatus.KeyMismatch)
        {
            // Two different calls whose keys hashed alike: neither is joined with the other.
            Counters.KeyCollisions++;
            _output.OnError(new JoinError(JoinErrorReason.KeyCollision, side, position, timestampMillis, At(timestampMillis), _key.ProjectId, _key.Id, payload));
            ReleasePartner(side, sources);
            return;
        }

        if (status != HalfParseStatus.Ok)
        {
            // Blame the half the builder failed on (it may be the stored partner: a dump upstream cannot render), and
            // keep the valid other half in a partner_failed record, so each half leaves exactly one record.
            var at = At(timestampMillis);
            var faulty = _builder.ErrorSide;
            var good = faulty == CallSide.Start ? CallSide.End : CallSide.Start;
            var arrivingIsFaulty = faulty == side;
            var partnerPosition = side == CallSide.Start ? sources.End : sources.Start;
            ReadOnlySpan<byte> partner = _partner.AsSpan(0, _partnerLength);
            Counters.Malformed++;
            _output.OnError(new JoinError(_builder.Reason(status), faulty, arrivingIsFaulty ? position : partnerPosition,
                arrivingIsFaulty ? timestampMillis : partnerTimestampMillis, at, _key.ProjectId, _key.Id, arrivingIsFaulty ? payload : partner));
            Counters.PartnerFailed++;
            _output.OnError(new JoinError(JoinErrorReason.PartnerFailed, good, arrivingIsFaulty ? partnerPosition : position,
                arrivingIsFaulty ? partnerTimestampMillis : timestampMillis, at, _key.ProjectId, _key.Id, arrivingIsFaulty ? partner : payload));
            return;
        }

        Counters.Matched++;
        Counters.RowsWithDumpsReplaced += _row.DumpsReplaced > 0 ? 1 : 0;
        _output.OnRow(_row, RowVersion.Complete(_row), sources);
    }

    /// <summary>When a match cannot become a row, the stored partner is released with nothing written for it.</summary>
    private void ReleasePartner(CallSide side, in RowSources sources)
    {
        if (side == CallSide.Start)
        {
            _output.OnReleased(CallSide.End, sources.End);
        }
        else
        {
            _output.OnReleased(CallSide.Start, sources.Start);
        }
    }

    /// <summary>
    /// The store's read-modify-write, called directly on the in-memory store (a replay's): through the interface it is a
    /// generic virtual call, which the runtime resolves through a lookup every time.
    /// </summary>
    private PendingAction ReadModifyWrite<TMerge>(in CallKey key, ref TMerge merge)
        where TMerge : struct, IPendingMerge =>
        _memoryStore is { } memory ? memory.ReadModifyWrite(key, ref merge) : _store.ReadModifyWrite(key, ref merge);

    /// <summary>Keeps a copy of the stored partner's payload: the store's span is valid only inside the merge.</summary>
    private void CopyPartner(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > _partner.Length)
        {
            _partner = new byte[Math.Max(payload.Length, _partner.Length * 2)];
        }

        payload.CopyTo(_partner);
        _partnerLength = payload.Length;
    }

    /// <summary>When an error about a record arises: stream time, or the record's own time if stream time is behind it.</summary>
    private long At(long timestampMillis) => Math.Max(_now, timestampMillis);

    /// <summary>Schedules a timeout for <paramref name="key"/>, remembered with the sequence number of the record that brought the half.</summary>
    private TimerHandle Schedule(long deadline, in CallKey key) => _timers.Schedule(deadline, new PendingTimer(key, _causeSequence));

    /// <summary>
    /// With lookups: whether the arriving end's own started_at is so old (past both timeouts) that its start, had it been
    /// delivered on time, has already timed out and left the state, so its outcome can be looked up after a short wait.
    /// </summary>
    /// <remarks>
    /// The end's started_at is the client's clock: one running behind only makes the lookup early, and a start still
    /// unread then gets its row from this end's <c>start_missing</c> record when its own timeout looks it up.
    /// </remarks>
    private bool StartLongTimedOut(long arrivalMillis) =>
        _options.LatePartners == LatePartnerSource.Lookup && _key.EndStartedAtMicros > 0
        && Plus(_key.EndStartedAtMicros / 1000, _options.StartTimeout + _options.EndTimeout) < arrivalMillis;

    private static long Plus(long millis, TimeSpan span) =>
        millis > long.MaxValue - (long)span.TotalMilliseconds ? long.MaxValue : millis + (long)span.TotalMilliseconds;
}
