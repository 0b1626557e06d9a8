namespace CallJoin.Core.Timers;

/// <summary>Receives the timers that <see cref="TimerWheel{T}.Advance{TSink}"/> fires.</summary>
/// <typeparam name="T">The timer payload.</typeparam>
/// <remarks>
/// Implement it on a struct so the wheel's generic <c>Advance</c> is specialized and the call inlined. The callback runs
/// on the thread calling <c>Advance</c> and may schedule or cancel timers on the same wheel, but must not call
/// <c>Advance</c> again.
/// </remarks>
public interface ITimerSink<T>
{
    /// <summary>Called once per expired timer, in firing order, with the deadline it was scheduled for.</summary>
    void OnExpired(long deadline, in T payload);
}
