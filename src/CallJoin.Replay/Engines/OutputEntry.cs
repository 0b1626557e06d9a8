namespace CallJoin.Replay.Engines;

/// <summary>
/// Where one output call's lines end in a lane's slice, and the place in the single engine's order of what caused them:
/// the input step, then (for a timeout) when it fell due and the sequence number of the record that brought the half.
/// </summary>
/// <param name="Step">The input sequence number of the record at which stream time reached this output; <see cref="long.MaxValue"/> in the drain.</param>
/// <param name="TimeoutAt">When the timeout fell due; <see cref="long.MaxValue"/> for the record's own output, which follows the timeouts of its step.</param>
/// <param name="Origin">The record being processed, or the one that brought the timed-out half.</param>
/// <param name="End">The slice offset just past the lines.</param>
internal readonly record struct OutputEntry(long Step, long TimeoutAt, long Origin, long End)
{
    /// <summary>Whether this comes before <paramref name="other"/> in the output.</summary>
    public bool Precedes(in OutputEntry other) =>
        Step != other.Step ? Step < other.Step
        : TimeoutAt != other.TimeoutAt ? TimeoutAt < other.TimeoutAt
        : Origin < other.Origin;
}
