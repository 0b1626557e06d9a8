namespace CallJoin.Migration.Backfill;

/// <summary>What one day of calls_merged held and became.</summary>
/// <param name="Complete">Calls with both halves: complete rows.</param>
/// <param name="Running">Calls with only a start: running rows.</param>
/// <param name="EndOnly">Calls with only an end: <c>start_missing</c> records.</param>
/// <param name="Refused">Calls the row builder refused (bad legacy data): error records with its reason.</param>
public readonly record struct BackfillDayCounts(long Complete, long Running, long EndOnly, long Refused)
{
    /// <summary>calls_complete rows written (backfill_progress.processed_count).</summary>
    public long Rows => Complete + Running;

    /// <summary>calljoin_errors records written (backfill_progress.error_count).</summary>
    public long Errors => EndOnly + Refused;

    public static BackfillDayCounts operator +(BackfillDayCounts a, BackfillDayCounts b) =>
        new(a.Complete + b.Complete, a.Running + b.Running, a.EndOnly + b.EndOnly, a.Refused + b.Refused);
}
