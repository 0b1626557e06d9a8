namespace CallJoin.Migration.Backfill;

/// <summary>Hears about a backfill's progress (the command line draws its progress bar from it).</summary>
/// <remarks>Called on the runner's task, never concurrently; keep it quick.</remarks>
public interface IBackfillObserver
{
    /// <summary>The run's plan: the days to do and an estimate of the calls in them (for an ETA).</summary>
    void OnPlanned(IReadOnlyList<DateOnly> days, long estimatedCalls);

    /// <summary>Rows (calls_complete rows and error records) written or counted so far in this run; frequent.</summary>
    void OnRows(long rows);

    /// <summary>A window failed with MEMORY_LIMIT_EXCEEDED and is retried as two halves.</summary>
    void OnWindowHalved(BackfillWindow window);

    /// <summary>A day finished (completed, failed or skipped).</summary>
    void OnDay(BackfillDayResult day);
}
