using CallJoin.Core.Timers;

namespace CallJoin.Core.Tests.Timers;

/// <summary>The wheel behind <see cref="ITimerModel"/>, checking its wake-time bound on every read.</summary>
internal sealed class WheelTimerModel(long now) : ITimerModel
{
    private readonly TimerWheel<int> _wheel = new(now, initialCapacity: 4);
    private readonly List<TimerHandle> _handles = [];

    public long Now => _wheel.Now;

    public int Count => _wheel.Count;

    public long? NextDeadline
    {
        get
        {
            bool hasDeadline = _wheel.TryGetNextDeadline(out long deadline);
            bool hasWake = _wheel.TryGetNextWakeTime(out long wake);
            Assert.Equal(hasDeadline, hasWake);
            if (hasDeadline && deadline <= Now)
            {
                Assert.Equal(Now, wake);
            }
            else if (hasDeadline)
            {
                Assert.InRange(wake, Now + 1, deadline);
            }

            return hasDeadline ? deadline : null;
        }
    }

    public int Schedule(long deadline, int payload)
    {
        _handles.Add(_wheel.Schedule(deadline, payload));
        return _handles.Count - 1;
    }

    public bool Cancel(int id) => _wheel.Cancel(_handles[id]);

    public int Advance(long now, Action<long, int> onExpired)
    {
        var sink = new CallbackSink(onExpired);
        return _wheel.Advance(now, ref sink);
    }
}
