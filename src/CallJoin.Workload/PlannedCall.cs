using CallJoin.Core.Halves;

namespace CallJoin.Workload;

/// <summary>
/// One call as the planner decides it: identity, place in its trace tree, payload times, fate and record times. Its
/// halves are rendered from this (and its content seed) when they are published, so a plan is small.
/// </summary>
internal sealed class PlannedCall
{
    /// <summary>The call's number in the workload, from 0.</summary>
    public int Index { get; init; }

    public CallId Id { get; init; }

    public CallId TraceId { get; init; }

    /// <summary>The parent's id; empty for a root.</summary>
    public CallId ParentId { get; init; }

    /// <summary>The tree's root id: the turn_id of calls in a thread.</summary>
    public CallId RootId { get; init; }

    /// <summary>The thread's id; empty when the tree is not part of a thread.</summary>
    public CallId ThreadId { get; init; }

    public int Project { get; init; }

    public OpKind Op { get; init; }

    /// <summary>0 for a root.</summary>
    public int Depth { get; init; }

    /// <summary>Position among its siblings, from 0.</summary>
    public int Ordinal { get; init; }

    /// <summary>The W&amp;B run the tree belongs to, or -1.</summary>
    public int Run { get; init; } = -1;

    public int RunStep { get; init; }

    public int User { get; init; }

    /// <summary>started_at, µs since the Unix epoch.</summary>
    public long StartedAtMicros { get; set; }

    /// <summary>ended_at, µs since the Unix epoch.</summary>
    public long EndedAtMicros { get; set; }

    public CallFate Fate { get; set; }

    /// <summary>The start's record timestamp (ms), when the start is published.</summary>
    public long StartRecordMillis { get; set; }

    /// <summary>The end's record timestamp (ms), when the end is published.</summary>
    public long EndRecordMillis { get; set; }

    /// <summary>Which half is delivered twice, if any.</summary>
    public CallSide? Duplicate { get; set; }

    public long DuplicateRecordMillis { get; set; }

    /// <summary>The defect of the bad message that comes with this call, if any.</summary>
    public HalfDefect Malformed { get; set; }

    public CallSide MalformedSide { get; set; }

    /// <summary>The bad message's key and id (no call has it).</summary>
    public CallId MalformedId { get; set; }

    public long MalformedRecordMillis { get; set; }

    /// <summary>Roughly how large the start's JSON should be.</summary>
    public int StartBytes { get; set; }

    /// <summary>Roughly how large the end's JSON should be.</summary>
    public int EndBytes { get; set; }

    /// <summary>Whether the call ends with an exception.</summary>
    public bool Fails { get; set; }

    /// <summary>Seeds everything drawn while rendering the halves.</summary>
    public ulong ContentSeed { get; init; }

    public bool HasStart => Fate != CallFate.OrphanEnd;

    public bool HasEnd => Fate != CallFate.NeverEnds;
}
