namespace CallJoin.Migration.Validation;

/// <summary>The outcome for one day and project: both sides' counts and the sampled comparison.</summary>
/// <param name="Day">The day (UTC): of started_at, or of ended_at for end-only calls.</param>
/// <param name="ProjectId">The project.</param>
/// <param name="Merged">calls_merged's counts.</param>
/// <param name="New">The new path's counts: calls_complete rows and start_missing records.</param>
/// <param name="CallsCompared">Sampled calls found on both sides and compared column by column.</param>
/// <param name="FieldsCompared">Column comparisons made (calls compared times columns).</param>
/// <param name="Mismatches">Sampled calls that differ (missing on a side, duplicated, or with a differing column).</param>
public sealed record DayProjectVerdict(
    DateOnly Day, string ProjectId, CallClassCounts Merged, CallClassCounts New, long CallsCompared, long FieldsCompared, long Mismatches)
{
    /// <summary>Whether the counts agree and no sampled call differs.</summary>
    public bool Consistent => Merged == New && Mismatches == 0;
}
