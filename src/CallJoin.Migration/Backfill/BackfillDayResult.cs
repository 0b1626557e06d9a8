namespace CallJoin.Migration.Backfill;

/// <summary>The outcome of one day: copied (or, in a dry run, counted), skipped as already completed, or failed.</summary>
public readonly record struct BackfillDayResult(DateOnly Day, BackfillDayStatus Status, BackfillDayCounts Counts, bool Skipped);
