using CallJoin.Core.Halves;

namespace CallJoin.Core.Join;

/// <summary>
/// A row's calls_complete version (<c>created_at</c>, ms), from the call's own times so that it does not depend on
/// when or how often its halves were delivered: a complete row always outranks its running row.
/// </summary>
/// <remarks>Public so that every writer of calls_complete (the join, the backfill) gives a call the same versions.</remarks>
public static class RowVersion
{
    /// <summary>A running row: its started_at.</summary>
    public static long Running(CallRowData row) => Millis(row.StartedAtMicros);

    /// <summary>A complete row: its ended_at, and at least started_at + 1 ms (an end stamped before its start).</summary>
    public static long Complete(CallRowData row) => Math.Max(Millis(row.EndedAtMicros), Millis(row.StartedAtMicros) + 1);

    private static long Millis(long micros) => Math.DivRem(micros, 1000L) is var (q, r) && r < 0 ? q - 1 : q;
}
