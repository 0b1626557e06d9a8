namespace CallJoin.Migration.Validation;

/// <summary>Everything one validation run found: a verdict per (day, project) and the mismatching calls it lists.</summary>
/// <param name="Options">What was compared.</param>
/// <param name="CheckedAt">When the run started.</param>
/// <param name="Verdicts">Per (day, project), ordered by day then project.</param>
/// <param name="Listed">Mismatching calls with their fields, at most <see cref="ValidationOptions.MaxListedPerDay"/> per day.</param>
public sealed record ValidationReport(
    ValidationOptions Options, DateTimeOffset CheckedAt, IReadOnlyList<DayProjectVerdict> Verdicts, IReadOnlyList<CallMismatch> Listed)
{
    /// <summary>Whether every (day, project) is consistent.</summary>
    public bool Consistent => Verdicts.All(v => v.Consistent);

    public CallClassCounts MergedTotal => Verdicts.Aggregate(default(CallClassCounts), (a, v) => a + v.Merged);

    public CallClassCounts NewTotal => Verdicts.Aggregate(default(CallClassCounts), (a, v) => a + v.New);

    public long CallsCompared => Verdicts.Sum(v => v.CallsCompared);

    public long FieldsCompared => Verdicts.Sum(v => v.FieldsCompared);

    /// <summary>Mismatching sampled calls, listed or not.</summary>
    public long Mismatches => Verdicts.Sum(v => v.Mismatches);

    /// <summary>(day, project) pairs whose counts differ.</summary>
    public int CountMismatches => Verdicts.Count(v => v.Merged != v.New);
}
