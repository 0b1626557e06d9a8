using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using Microsoft.Extensions.Time.Testing;

namespace CallJoin.Core.Tests.Join;

/// <summary>Silence on the input lets the wall clock carry stream time, so timeouts fire without new records.</summary>
public sealed class StreamClockTests
{
    private const long T0 = 1_767_225_600_000;

    [Fact]
    public void A_lone_start_becomes_a_running_row_when_input_stays_idle()
    {
        var wall = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 42_000));
        var clock = new StreamClock(wall, TimeSpan.FromSeconds(1));
        var output = new RecordingOutput();
        var engine = new JoinEngine<RecordingOutput>(new InMemoryPendingStore(), new JoinOptions(), output);
        var start = new HalfEvent(CallSide.Start, "p", "idle", 1, T0 * 1000, T0, default);

        engine.Process(CallSide.Start, Encoding.UTF8.GetBytes(start.Json), default, T0);
        clock.OnRecord(T0);
        Assert.False(clock.TryGetIdleTime(out _));

        wall.Advance(TimeSpan.FromMinutes(4));
        Assert.True(clock.TryGetIdleTime(out var fourMinutes));
        engine.AdvanceTime(fourMinutes);
        Assert.Empty(output.Results);

        wall.Advance(TimeSpan.FromMinutes(1));
        Assert.True(clock.TryGetIdleTime(out var fiveMinutes));
        Assert.Equal(T0 + (5 * 60_000), fiveMinutes);   // the record's time plus the silence, not the wall clock's reading
        engine.AdvanceTime(fiveMinutes);
        Assert.Equal("running", Assert.Single(output.Results).Kind);
    }

    [Fact]
    public void Once_caught_up_an_idle_stream_of_old_records_catches_up_with_the_wall_clock()
    {
        var wall = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (60 * 60_000)));   // records an hour old
        var clock = new StreamClock(wall, TimeSpan.FromSeconds(1));
        clock.OnRecord(T0);
        wall.Advance(TimeSpan.FromSeconds(2));

        Assert.True(clock.TryGetIdleTime(caughtUp: false, out var behind));
        Assert.Equal(T0 + 2_000, behind);
        Assert.True(clock.TryGetIdleTime(caughtUp: true, out var caughtUp));
        Assert.Equal(T0 + (60 * 60_000) + 2_000, caughtUp);
    }

    [Fact]
    public void Before_the_first_record_nothing_moves_while_partitions_are_behind() =>
        Assert.False(new StreamClock(new FakeTimeProvider(), TimeSpan.Zero).TryGetIdleTime(caughtUp: false, out _));

    [Fact]
    public void After_a_restart_with_nothing_new_to_read_the_wall_clock_moves_stream_time_once_idle()
    {
        var wall = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0));
        var clock = new StreamClock(wall, TimeSpan.FromSeconds(5));
        Assert.False(clock.TryGetIdleTime(caughtUp: true, out _));

        wall.Advance(TimeSpan.FromSeconds(5));
        Assert.True(clock.TryGetIdleTime(caughtUp: true, out var now));
        Assert.Equal(T0 + 5_000, now);
    }
}
