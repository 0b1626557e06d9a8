namespace CallJoin.Core.Join;

/// <summary>What the join has done since it started. Written on the engine's thread; other threads may read slightly stale values.</summary>
public sealed class JoinCounters
{
    public long StartsConsumed { get; internal set; }
    public long EndsConsumed { get; internal set; }
    public long Malformed { get; internal set; }
    public long Matched { get; internal set; }

    /// <summary>Matches made after the start's running row or the end's start_missing record was written.</summary>
    public long LateMatched { get; internal set; }

    public long RunningRows { get; internal set; }
    public long StartMissing { get; internal set; }
    public long Duplicates { get; internal set; }
    public long Conflicts { get; internal set; }
    public long KeyCollisions { get; internal set; }

    /// <summary>Halves whose message key is not their payload's id (not joined).</summary>
    public long KeyMismatches { get; internal set; }

    /// <summary>Valid halves released with a <c>partner_failed</c> record because their partner failed at row build.</summary>
    public long PartnerFailed { get; internal set; }

    /// <summary>Halves refused because they exceed the pending store's largest value (in either arrival order).</summary>
    public long HalvesTooLarge { get; internal set; }

    /// <summary>Rows whose dumps exceeded the limit and were cut down with upstream's marker.</summary>
    public long RowsWithDumpsReplaced { get; internal set; }

    /// <summary>Starts dropped after their retention without an end.</summary>
    public long ExpiredStarts { get; internal set; }

    /// <summary>Timed-out halves whose calls were looked up (<see cref="LatePartnerSource.Lookup"/>).</summary>
    public long Lookups { get; internal set; }

    /// <summary>Of <see cref="Lookups"/>, ends looked up after a short wait: their started_at was past both timeouts.</summary>
    public long EarlyLookups { get; internal set; }

    /// <summary>Lookup answers applied to a half still waiting for one.</summary>
    public long LookupsAnswered { get; internal set; }

    /// <summary>Orphan ends dropped after their retention without a start.</summary>
    public long ExpiredEnds { get; internal set; }

    /// <summary>Adds <paramref name="other"/>'s counts to these: the totals over several engines (a replay on many threads).</summary>
    public void Add(JoinCounters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        StartsConsumed += other.StartsConsumed;
        EndsConsumed += other.EndsConsumed;
        Malformed += other.Malformed;
        Matched += other.Matched;
        LateMatched += other.LateMatched;
        RunningRows += other.RunningRows;
        StartMissing += other.StartMissing;
        Duplicates += other.Duplicates;
        Conflicts += other.Conflicts;
        KeyCollisions += other.KeyCollisions;
        KeyMismatches += other.KeyMismatches;
        PartnerFailed += other.PartnerFailed;
        HalvesTooLarge += other.HalvesTooLarge;
        RowsWithDumpsReplaced += other.RowsWithDumpsReplaced;
        ExpiredStarts += other.ExpiredStarts;
        Lookups += other.Lookups;
        LookupsAnswered += other.LookupsAnswered;
        ExpiredEnds += other.ExpiredEnds;
    }
}
