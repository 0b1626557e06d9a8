namespace CallJoin.Migration.Validation;

/// <summary>A sampled call that is not the same in calls_merged and calls_complete.</summary>
/// <param name="Day">The day (UTC) of its started_at.</param>
/// <param name="Key">Its project and id.</param>
/// <param name="Kind">How it differs.</param>
/// <param name="Fields">For <see cref="CallMismatchKind.FieldsDiffer"/>, the differing columns; otherwise empty.</param>
public sealed record CallMismatch(DateOnly Day, CallKeyText Key, CallMismatchKind Kind, IReadOnlyList<FieldDifference> Fields);
