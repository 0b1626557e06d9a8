using System.Collections.Frozen;

namespace CallJoin.Routing;

/// <summary>
/// What the router knows of the migration, read from ClickHouse every few seconds: the state of each backfilled day
/// (the newest <c>backfill_progress</c> row of the day), the days whose latest <c>migration_validation</c> verdict is a
/// mismatch, per project, and the oldest day calls_merged holds. Immutable; replaced as a whole on each refresh.
/// </summary>
public sealed class MigrationState
{
    private readonly FrozenDictionary<DateOnly, string> _backfill;
    private readonly FrozenDictionary<string, DateOnly[]> _mismatches;

    public MigrationState(
        IReadOnlyDictionary<DateOnly, string> backfill,
        IReadOnlyDictionary<string, IReadOnlyCollection<DateOnly>> mismatches,
        DateOnly? oldestLegacyDay,
        DateTimeOffset loadedAt)
    {
        ArgumentNullException.ThrowIfNull(backfill);
        ArgumentNullException.ThrowIfNull(mismatches);
        _backfill = backfill.ToFrozenDictionary();
        _mismatches = mismatches.ToFrozenDictionary(m => m.Key, m => m.Value.Order().ToArray(), StringComparer.Ordinal);
        OldestLegacyDay = oldestLegacyDay;
        LoadedAt = loadedAt;
        IsLoaded = true;
    }

    private MigrationState()
    {
        _backfill = FrozenDictionary<DateOnly, string>.Empty;
        _mismatches = FrozenDictionary<string, DateOnly[]>.Empty;
    }

    /// <summary>Before the first successful read: nothing is known, so nothing before the cutoff counts as migrated.</summary>
    public static MigrationState Unknown { get; } = new();

    /// <summary>Whether this state was read from ClickHouse (false only for <see cref="Unknown"/>).</summary>
    public bool IsLoaded { get; }

    /// <summary>When it was read.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>The oldest day of calls_merged data (null: the table is empty); days before it need no backfill.</summary>
    public DateOnly? OldestLegacyDay { get; }

    /// <summary>Days known to backfill_progress.</summary>
    public int BackfillDays => _backfill.Count;

    /// <summary>(project, day) pairs whose latest verdict is a mismatch.</summary>
    public int MismatchCount => _mismatches.Values.Sum(d => d.Length);

    /// <summary>The day's backfill status ('pending', 'processing', 'completed', 'failed'), or null when it has no row.</summary>
    public string? BackfillStatus(DateOnly day) => _backfill.TryGetValue(day, out var status) ? status : null;

    /// <summary>The first day from <paramref name="from"/> to <paramref name="to"/> (inclusive) with a mismatch verdict for the project.</summary>
    public DateOnly? FirstMismatch(string projectId, DateOnly from, DateOnly to)
    {
        if (!_mismatches.TryGetValue(projectId, out var days))
        {
            return null;
        }

        foreach (var day in days)
        {
            if (day >= from && day <= to)
            {
                return day;
            }
        }

        return null;
    }
}
