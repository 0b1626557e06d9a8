namespace CallJoin.Migration.Validation;

/// <summary>What <see cref="MigrationValidator"/> compares: a range of days, optionally one project, and how many calls per day.</summary>
public sealed record ValidationOptions
{
    /// <summary>The database holding calls_merged, calls_complete, calljoin_errors and migration_validation.</summary>
    public required string Database { get; init; }

    /// <summary>The first day (UTC) compared.</summary>
    public required DateOnly From { get; init; }

    /// <summary>The last day (UTC) compared, inclusive.</summary>
    public required DateOnly To { get; init; }

    /// <summary>Only this project, or every project when null.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Calls per day whose fields are compared (a uniform sample by id hash); 0 compares every call.</summary>
    public int Sample { get; init; } = 1000;

    /// <summary>Mismatching calls listed with their fields per day; the rest are only counted.</summary>
    public int MaxListedPerDay { get; init; } = 20;

    /// <summary>With <see cref="Sample"/> 0, the most calls one query per side reads at once (a day is split by id hash).</summary>
    public int ChunkRows { get; init; } = 200_000;

    /// <summary>
    /// How far around a day calls_merged's <c>sortable_datetime</c> may lie for a call of that day. Legacy rows are
    /// found through that indexed column, which is a part's started_at, or ended_at for an end part or a row folded
    /// from both halves inserted together; so it must cover the longest call whose halves were inserted together.
    /// Too short fails safe where calls_complete has the call (the live path wrote it): the day reads as a mismatch.
    /// </summary>
    public TimeSpan SortableSlack { get; init; } = TimeSpan.FromDays(2);

    /// <summary>
    /// Compare input_refs and output_refs as sets, so a half the old server stored twice (its refs repeated by
    /// calls_merged) is not a mismatch. Off by default: the legacy read does show the repeats.
    /// </summary>
    public bool RefsAsSets { get; init; }

    /// <summary><c>max_memory_usage</c> of each query; GROUP BY and ORDER BY spill to disk above half of it.</summary>
    public long MaxQueryMemoryBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Whether to write one verdict per (day, project) into migration_validation.</summary>
    public bool WriteVerdicts { get; init; } = true;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Database);
        if (To < From)
        {
            throw new ArgumentException($"the last day ({To:yyyy-MM-dd}) is before the first ({From:yyyy-MM-dd})");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Sample);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxListedPerDay);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ChunkRows);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueryMemoryBytes, 1024L * 1024);
        ArgumentOutOfRangeException.ThrowIfNegative(SortableSlack.Ticks, nameof(SortableSlack));
    }
}
