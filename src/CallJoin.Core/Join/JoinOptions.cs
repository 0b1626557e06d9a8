namespace CallJoin.Core.Join;

/// <summary>The join's time rules, all in stream time (record timestamps). Defaults follow the architecture plan.</summary>
public sealed record JoinOptions
{
    /// <summary>A start with no end for this long becomes a running row (ended_at sentinel).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a start stays after its running row, so its late end still yields the complete row.</summary>
    public TimeSpan StartRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>An end with no start for this long becomes a <c>start_missing</c> error record.</summary>
    public TimeSpan EndTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an orphan end stays after its error record, so a late start still yields the complete row.</summary>
    public TimeSpan EndRetention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How long a matched call is remembered (a fingerprint and two content hashes, see <see cref="MatchedCalls"/>) to
    /// recognise redelivered halves as duplicates instead of starting a new call. A half redelivered later still cannot
    /// spoil the row: a running row's version is older than any complete row's (see <see cref="JoinEngine{TOutput}"/>),
    /// and with <see cref="LatePartnerSource.Lookup"/> the lookup finds the call already complete and counts a duplicate.
    /// </summary>
    public TimeSpan CompletedRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// With <see cref="LatePartnerSource.Lookup"/>: how long an end waits for its start, instead of <see cref="EndTimeout"/>,
    /// when its own started_at is past both timeouts. Its start, delivered on time, has already timed out; the short wait
    /// lets a start published just before it (a whole call uploaded late) be read and joined in state first.
    /// </summary>
    public TimeSpan EarlyLookupWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where the partner of a half past its timeout is found: retained state (a replay) or a lookup (the service).</summary>
    /// <remarks>With <see cref="LatePartnerSource.Lookup"/>, <see cref="StartRetention"/> and <see cref="EndRetention"/> are unused.</remarks>
    public LatePartnerSource LatePartners { get; init; } = LatePartnerSource.RetainedState;

    /// <summary>
    /// Whether each record's timestamp moves stream time (the default: right for input in record-time order, such as a
    /// replay merged by timestamp). A consumer of many partitions sets false and calls <c>AdvanceTime</c> with the
    /// lowest time every partition has reached, so a partition read ahead of another cannot time out halves whose
    /// partners are still unread in the other.
    /// </summary>
    public bool RecordsAdvanceTime { get; init; } = true;

    /// <summary>Upstream's limit on a row's JSON dumps; above it the largest dumps are replaced by its marker.</summary>
    public int MaxDumpBytes { get; init; } = (int)(3.5 * 1024 * 1024);

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        foreach (var (name, value) in new[]
                 {
                     (nameof(StartTimeout), StartTimeout), (nameof(StartRetention), StartRetention),
                     (nameof(EndTimeout), EndTimeout), (nameof(EndRetention), EndRetention),
                     (nameof(CompletedRetention), CompletedRetention), (nameof(EarlyLookupWait), EarlyLookupWait),
                 })
        {
            if (value < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(name, value, "must not be negative");
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxDumpBytes);
    }
}
