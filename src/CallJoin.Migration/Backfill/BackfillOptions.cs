namespace CallJoin.Migration.Backfill;

/// <summary>What <see cref="BackfillRunner"/> copies and how hard it may load ClickHouse.</summary>
/// <remarks>Immutable; <see cref="Validate"/> is called by the runner.</remarks>
public sealed record BackfillOptions
{
    /// <summary>The database holding calls_merged, calls_complete, calljoin_errors and backfill_progress.</summary>
    public required string Database { get; init; }

    /// <summary>The migration cutoff: the newest day copied is the day before it (exclusive bound).</summary>
    public required DateOnly Cutoff { get; init; }

    /// <summary>The oldest day copied (inclusive); null: the oldest day holding data in calls_merged.</summary>
    public DateOnly? Until { get; init; }

    /// <summary>How many days one batch (one read of calls_merged) covers.</summary>
    public int DaysPerBatch { get; init; } = 1;

    /// <summary>The most rows (calls_complete rows and error records) written per second; 0: unlimited.</summary>
    public int RowsPerSecond { get; init; }

    /// <summary>
    /// <c>max_memory_usage</c> of each read; aggregation and sorting spill to disk above half of it. A read that
    /// still fails with MEMORY_LIMIT_EXCEEDED is retried as two half windows.
    /// </summary>
    public long MaxQueryMemoryBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>A window is not halved below this; a memory error at this size fails the batch.</summary>
    public TimeSpan MinWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Rows written between two flushes: a flush makes them durable under a deterministic insert token.</summary>
    public int ChunkRows { get; init; } = 20_000;

    /// <summary>Report what would be copied, per day, and write nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Database);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(DaysPerBatch);
        ArgumentOutOfRangeException.ThrowIfNegative(RowsPerSecond);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxQueryMemoryBytes, 1024L * 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinWindow, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ChunkRows);
        if (Until is { } until && until >= Cutoff)
        {
            throw new ArgumentOutOfRangeException(nameof(Until), until, $"must be before the cutoff {Cutoff:yyyy-MM-dd}");
        }
    }
}
