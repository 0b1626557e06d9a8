namespace CallJoin.Migration.Validation;

/// <summary>One compared column whose values differ, with both values as text (long values shortened).</summary>
/// <param name="Field">The column name.</param>
/// <param name="Merged">The value read from calls_merged (normalized as compared), or null when not fetched.</param>
/// <param name="Complete">The value read from calls_complete, or null when not fetched.</param>
public sealed record FieldDifference(string Field, string? Merged, string? Complete);
