namespace CallJoin.Workload;

/// <summary>What a <see cref="WorkloadEvent"/> is in the workload's plan.</summary>
public enum WorkloadEventKind
{
    /// <summary>A call's start, first delivery.</summary>
    Start,

    /// <summary>A call's end, first delivery.</summary>
    End,

    /// <summary>A start delivered again, byte for byte.</summary>
    DuplicateStart,

    /// <summary>An end delivered again, byte for byte.</summary>
    DuplicateEnd,

    /// <summary>A bad message, on the topic of its <see cref="WorkloadEvent.Side"/>, with a key no call uses.</summary>
    Malformed,
}
