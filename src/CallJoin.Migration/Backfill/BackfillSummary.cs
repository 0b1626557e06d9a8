namespace CallJoin.Migration.Backfill;

/// <summary>What a backfill run did, day by day (newest first), and how long it took.</summary>
/// <param name="Days">Every day of the range, newest first, as far as the run got.</param>
/// <param name="Elapsed">The run's duration.</param>
/// <param name="WindowsHalved">How many times a window was split after a memory error.</param>
/// <param name="DryRun">Whether nothing was written.</param>
/// <param name="Failure">Why the run stopped early; null when it did not.</param>
public sealed record BackfillSummary(IReadOnlyList<BackfillDayResult> Days, TimeSpan Elapsed, int WindowsHalved, bool DryRun, string? Failure = null)
{
    /// <summary>Counts over the days copied in this run (skipped days excluded).</summary>
    public BackfillDayCounts Total => Days.Where(d => !d.Skipped).Aggregate(default(BackfillDayCounts), (sum, d) => sum + d.Counts);

    /// <summary>Whether every day is completed (or, in a dry run, was counted).</summary>
    public bool Succeeded => Failure is null && Days.All(d => d.Status == BackfillDayStatus.Completed);
}
