namespace CallJoin.Migration.Backfill;

/// <summary>A day's state in backfill_progress (the <c>status</c> enum, same numbering).</summary>
public enum BackfillDayStatus
{
    /// <summary>No row for the day yet.</summary>
    None = 0,
    Pending = 1,
    Processing = 2,
    Completed = 3,
    Failed = 4,
}
