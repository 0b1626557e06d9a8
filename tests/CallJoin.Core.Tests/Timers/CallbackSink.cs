using CallJoin.Core.Timers;

namespace CallJoin.Core.Tests.Timers;

/// <summary>A timer sink that forwards each expiry to a delegate.</summary>
internal readonly struct CallbackSink(Action<long, int> onExpired) : ITimerSink<int>
{
    public void OnExpired(long deadline, in int payload) => onExpired(deadline, payload);
}
