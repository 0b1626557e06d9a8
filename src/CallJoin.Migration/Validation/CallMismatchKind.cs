namespace CallJoin.Migration.Validation;

/// <summary>How a sampled call differs between calls_merged and calls_complete.</summary>
public enum CallMismatchKind
{
    /// <summary>In calls_merged, not in calls_complete (for that day).</summary>
    MissingInComplete,

    /// <summary>In calls_complete, not in calls_merged (for that day).</summary>
    MissingInMerged,

    /// <summary>More than one calls_complete row under FINAL (the same id with different started_at).</summary>
    DuplicateInComplete,

    /// <summary>In both, with different values in at least one compared column.</summary>
    FieldsDiffer,
}
