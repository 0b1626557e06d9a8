using CallJoin.Core.Join;
using CallJoin.Core.State;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// The join's counters and state size, copied on the engine thread a few times a second so that metrics and health
/// read a consistent, recent picture from any thread.
/// </summary>
public sealed record PipelineSnapshot(
    long StartsConsumed,
    long EndsConsumed,
    long Matched,
    long LateMatched,
    long RunningRows,
    long StartMissing,
    long Duplicates,
    long Conflicts,
    long Malformed,
    long KeyCollisions,
    long HalvesTooLarge,
    long RowsWithDumpsReplaced,
    long ExpiredStarts,
    long ExpiredEnds,
    PendingStoreStats State,
    int PendingTimers,
    long StreamTimeMillis)
{
    /// <summary>Records whose timestamps were clamped to the wall clock plus the allowed skew.</summary>
    public long ClampedRecords { get; init; }

    /// <summary>Partitions left out of stream time as idle at the last advance.</summary>
    public int IdlePartitions { get; init; }

    /// <summary>Timed-out halves whose calls were looked up in ClickHouse, and the answers applied.</summary>
    public long Lookups { get; init; }

    /// <summary>Lookup answers applied to halves still waiting for them.</summary>
    public long LookupsAnswered { get; init; }

    /// <summary>Of <see cref="Lookups"/>, ends looked up after a short wait (their started_at past both timeouts).</summary>
    public long EarlyLookups { get; init; }

    /// <summary>Calls queued or under way to be looked up.</summary>
    public int LookupsPending { get; init; }

    /// <summary>Failed lookup batches (each retried).</summary>
    public long LookupFailures { get; init; }

    /// <summary>Recently matched calls remembered to recognise redeliveries, and the bytes they take.</summary>
    public long MatchedCalls { get; init; }

    /// <summary>Memory held by the remembered matched calls.</summary>
    public long MatchedCallsBytes { get; init; }

    public static PipelineSnapshot Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, default, 0, 0);

    internal static PipelineSnapshot From<TOutput>(JoinEngine<TOutput> engine)
        where TOutput : IJoinOutput
    {
        var c = engine.Counters;
        return new(c.StartsConsumed, c.EndsConsumed, c.Matched, c.LateMatched, c.RunningRows, c.StartMissing, c.Duplicates,
            c.Conflicts, c.Malformed, c.KeyCollisions, c.HalvesTooLarge, c.RowsWithDumpsReplaced, c.ExpiredStarts, c.ExpiredEnds, engine.State,
            engine.PendingTimers, engine.Now)
        {
            Lookups = c.Lookups,
            LookupsAnswered = c.LookupsAnswered,
            EarlyLookups = c.EarlyLookups,
            MatchedCalls = engine.Matched.Count,
            MatchedCallsBytes = engine.Matched.Bytes,
        };
    }
}
