namespace CallJoin.Core.Timers;

/// <summary>Identifies one scheduled timer of a <see cref="TimerWheel{T}"/>, for cancelling it.</summary>
/// <remarks>
/// A node index into the wheel's pool plus the node's generation at scheduling time: once the timer fires or is
/// cancelled the generation moves on, so a stale handle (even one whose node was reused) cancels nothing.
/// <c>default</c> is a handle that never matches a timer. A handle is only meaningful for the wheel that issued it.
/// </remarks>
public readonly record struct TimerHandle
{
    internal TimerHandle(int index, int generation)
    {
        Index = index;
        Generation = generation;
    }

    /// <summary>The timer's node in the wheel's pool.</summary>
    public int Index { get; }

    /// <summary>The node's generation when the timer was scheduled.</summary>
    public int Generation { get; }
}
