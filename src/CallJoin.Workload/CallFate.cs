namespace CallJoin.Workload;

/// <summary>How a call's halves reach the join (exactly one per call).</summary>
internal enum CallFate : byte
{
    /// <summary>Start, then end, less than the longest call duration apart.</summary>
    Normal,

    /// <summary>End, then start, less than the longest call duration apart.</summary>
    EndBeforeStart,

    /// <summary>Only the end.</summary>
    OrphanEnd,

    /// <summary>Only the start.</summary>
    NeverEnds,

    /// <summary>Start, then end more than the long-running threshold later.</summary>
    LongRunning,

    /// <summary>End, then start more than the long-running threshold later.</summary>
    LateStart,
}
