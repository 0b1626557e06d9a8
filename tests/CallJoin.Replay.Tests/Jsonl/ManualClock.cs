namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>A clock that says whatever the test last set (timers stay on the system clock).</summary>
internal sealed class ManualClock : TimeProvider
{
    public long UnixMillis { get; set; }

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(UnixMillis);
}
