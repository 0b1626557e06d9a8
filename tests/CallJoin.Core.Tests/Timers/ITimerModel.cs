namespace CallJoin.Core.Tests.Timers;

/// <summary>What the property test drives: the wheel or the reference model, with timers named by schedule order.</summary>
internal interface ITimerModel
{
    long Now { get; }

    int Count { get; }

    long? NextDeadline { get; }

    /// <summary>Schedules a timer; ids count up from 0 in schedule order.</summary>
    int Schedule(long deadline, int payload);

    bool Cancel(int id);

    int Advance(long now, Action<long, int> onExpired);
}
