namespace CallJoin.Migration.Validation;

/// <summary>One side's calls of a day and project by class.</summary>
/// <param name="Complete">Calls with a start and an end.</param>
/// <param name="Running">Calls with a start and no end yet.</param>
/// <param name="EndOnly">
/// Ends without a start: groups without started_at in calls_merged; distinct calls with a <c>start_missing</c> record
/// in calljoin_errors and no row in calls_complete on the new path.
/// </param>
public readonly record struct CallClassCounts(ulong Complete, ulong Running, ulong EndOnly)
{
    public static CallClassCounts operator +(CallClassCounts a, CallClassCounts b) =>
        new(a.Complete + b.Complete, a.Running + b.Running, a.EndOnly + b.EndOnly);

    public static CallClassCounts Add(CallClassCounts a, CallClassCounts b) => a + b;
}
