using CallJoin.Core.Timers;

namespace CallJoin.Core.Tests.Timers;

public class TimerWheelTests
{
    private const long Epoch = 1_700_000_000_000;
    private const long Day = 86_400_000;

    [Fact]
    public void Fires_by_deadline_then_by_schedule_order()
    {
        var wheel = new TimerWheel<int>(1_000);
        wheel.Schedule(1_500, 1);
        wheel.Schedule(1_010, 2);
        wheel.Schedule(1_500, 3);
        wheel.Schedule(1_010, 4);
        wheel.Schedule(5_000, 5);

        Assert.Equal([(1_010, 2), (1_010, 4), (1_500, 1), (1_500, 3), (5_000, 5)], Fire(wheel, 6_000));
        Assert.Equal(6_000, wheel.Now);
    }

    [Fact]
    public void Handles_of_another_wheel_cancel_nothing_once_generations_are_issued_above_theirs()
    {
        var old = new TimerWheel<int>(1_000);
        var stale = new List<TimerHandle>();
        for (var i = 0; i < 50; i++)
        {
            var handle = old.Schedule(2_000 + i, i);
            old.Cancel(handle);                      // nodes reused: generations move on
            stale.Add(old.Schedule(3_000 + i, i));
        }

        var wheel = new TimerWheel<int>(1_000);
        wheel.IssueGenerationsAbove(stale.Max(h => h.Generation));
        for (var i = 0; i < 50; i++)
        {
            wheel.Schedule(3_000 + i, i);
        }

        Assert.All(stale, h => Assert.False(wheel.Cancel(h)));
        Assert.Equal(50, wheel.Count);
        Assert.Throws<InvalidOperationException>(() => wheel.IssueGenerationsAbove(0));
    }

    [Fact]
    public void Does_not_fire_before_the_deadline()
    {
        var wheel = new TimerWheel<int>(Epoch);
        wheel.Schedule(Epoch + 100, 1);

        Assert.Empty(Fire(wheel, Epoch + 99));
        Assert.Equal([(Epoch + 100, 1)], Fire(wheel, Epoch + 100));
        Assert.Empty(Fire(wheel, Epoch + 1_000));
    }

    [Fact]
    public void Equal_deadlines_keep_schedule_order_when_scheduled_from_different_levels()
    {
        long deadline = Epoch + 300_000;
        var wheel = new TimerWheel<int>(Epoch);
        wheel.Schedule(deadline, 1);
        Fire(wheel, deadline - 5_000);
        wheel.Schedule(deadline, 2);
        Fire(wheel, deadline - 100);
        wheel.Schedule(deadline, 3);
        Fire(wheel, deadline - 1);
        wheel.Schedule(deadline, 4);

        Assert.Equal([(deadline, 1), (deadline, 2), (deadline, 3), (deadline, 4)], Fire(wheel, deadline));
    }

    public static TheoryData<long> Starts => new(0, 63, 4_095, 262_143, 1_000_003, Epoch + 123, -1, -5_000, long.MinValue);

    [Theory]
    [MemberData(nameof(Starts))]
    public void Fires_exactly_on_time_across_level_boundaries(long start)
    {
        long[] offsets = [1, 2, 63, 64, 65, 127, 128, 4_095, 4_096, 4_097, 262_143, 262_144, 262_145, 16_777_215, 16_777_216, 16_777_217, 1L << 30, (1L << 36) + 1];
        var wheel = new TimerWheel<int>(start);
        for (int i = 0; i < offsets.Length; i++)
        {
            wheel.Schedule(start + offsets[i], i);
        }

        for (int i = 0; i < offsets.Length; i++)
        {
            long deadline = start + offsets[i];
            Assert.True(wheel.TryGetNextDeadline(out long next));
            Assert.Equal(deadline, next);
            Assert.Empty(Fire(wheel, deadline - 1));
            Assert.Equal([(deadline, i)], Fire(wheel, deadline));
        }

        Assert.Equal(0, wheel.Count);
    }

    [Theory]
    [MemberData(nameof(Starts))]
    public void Fires_on_time_when_stepping_one_millisecond_at_a_time(long start)
    {
        long[] offsets = [1, 63, 64, 65, 4_095, 4_096, 4_097, 8_191, 8_192];
        var wheel = new TimerWheel<int>(start);
        foreach (long offset in offsets)
        {
            wheel.Schedule(start + offset, (int)offset);
        }

        var fired = new List<(long Deadline, int Payload, long Now)>();
        var sink = new CallbackSink((deadline, payload) => fired.Add((deadline, payload, wheel.Now)));
        for (long now = start; now <= start + 8_200; now++)
        {
            wheel.Advance(now, ref sink);
        }

        Assert.Equal(offsets.Select(o => (start + o, (int)o, start + o)), fired);
    }

    [Fact]
    public void A_jump_of_days_fires_only_what_is_due_in_order()
    {
        var random = new Random(7);
        var wheel = new TimerWheel<int>(Epoch);
        var scheduled = new List<(long Deadline, int Payload)>();
        for (int i = 0; i < 10_000; i++)
        {
            long deadline = Epoch + random.NextInt64(30 * Day);
            wheel.Schedule(deadline, i);
            scheduled.Add((deadline, i));
        }

        var inOrder = scheduled.OrderBy(t => t.Deadline).ThenBy(t => t.Payload).ToList();
        long weekLater = Epoch + (7 * Day);

        Assert.Equal(inOrder.TakeWhile(t => t.Deadline <= weekLater), Fire(wheel, weekLater));
        Assert.Equal(weekLater, wheel.Now);
        Assert.Equal(inOrder.Count(t => t.Deadline > weekLater), wheel.Count);
        Assert.Equal(inOrder.SkipWhile(t => t.Deadline <= weekLater), Fire(wheel, Epoch + (30 * Day)));
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void A_replay_can_start_at_epoch_zero_and_jump_to_today()
    {
        var wheel = new TimerWheel<int>(0);
        wheel.Schedule(Epoch, 1);
        wheel.Schedule(Epoch + Day, 2);

        Assert.Empty(Fire(wheel, Epoch - 1));
        Assert.Equal([(Epoch, 1)], Fire(wheel, Epoch));
        Assert.Equal([(Epoch + Day, 2)], Fire(wheel, Epoch + (365 * Day)));
        Assert.Equal(Epoch + (365 * Day), wheel.Now);
    }

    [Fact]
    public void Covers_the_whole_long_range()
    {
        var wheel = new TimerWheel<int>(long.MinValue);
        wheel.Schedule(long.MaxValue, 1);
        wheel.Schedule(0, 2);
        wheel.Schedule(-1, 3);
        wheel.Schedule(long.MinValue + 1, 4);
        wheel.Schedule(long.MinValue, 5);

        Assert.Equal([(long.MinValue, 5), (long.MinValue + 1, 4), (-1, 3), (0, 2)], Fire(wheel, long.MaxValue - 1));
        Assert.Equal([(long.MaxValue, 1)], Fire(wheel, long.MaxValue));
        Assert.Equal(long.MaxValue, wheel.Now);
    }

    [Fact]
    public void A_deadline_in_the_past_fires_on_the_next_advance_with_its_own_deadline()
    {
        var wheel = new TimerWheel<int>(10_000);
        wheel.Schedule(10_001, 1);
        wheel.Schedule(9_000, 2);
        wheel.Schedule(5_000, 3);
        wheel.Schedule(10_000, 4);

        Assert.True(wheel.TryGetNextDeadline(out long next));
        Assert.Equal(5_000, next);
        Assert.True(wheel.TryGetNextWakeTime(out long wake));
        Assert.Equal(10_000, wake);

        // Due since scheduling, so they fire even though time does not move, in schedule order.
        Assert.Equal([(9_000, 2), (5_000, 3), (10_000, 4)], Fire(wheel, 10_000));
        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public void Advancing_to_an_earlier_time_does_not_move_the_clock()
    {
        var wheel = new TimerWheel<int>(10_000);
        wheel.Schedule(10_050, 1);

        Assert.Empty(Fire(wheel, 5_000));
        Assert.Equal(10_000, wheel.Now);

        wheel.Schedule(9_999, 2);
        Assert.Equal([(9_999, 2)], Fire(wheel, 0));
        Assert.Equal(10_000, wheel.Now);
        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public void Cancel_removes_the_timer_once()
    {
        var wheel = new TimerWheel<int>(0);
        var first = wheel.Schedule(100, 1);
        wheel.Schedule(100, 2);
        var far = wheel.Schedule(10 * Day, 3);

        Assert.True(wheel.Cancel(first));
        Assert.False(wheel.Cancel(first));
        Assert.True(wheel.Cancel(far));
        Assert.Equal(1, wheel.Count);
        Assert.Equal([(100, 2)], Fire(wheel, 20 * Day));
    }

    [Fact]
    public void A_stale_handle_cancels_nothing_even_when_its_node_is_reused()
    {
        var wheel = new TimerWheel<int>(0);
        var fired = wheel.Schedule(10, 1);
        Fire(wheel, 10);
        var reused = wheel.Schedule(20, 2);

        Assert.Equal(fired.Index, reused.Index);
        Assert.NotEqual(fired, reused);
        Assert.False(wheel.Cancel(fired));
        Assert.False(wheel.Cancel(default));
        Assert.Equal(1, wheel.Count);
        Assert.True(wheel.Cancel(reused));
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void The_sink_can_schedule_and_cancel_during_a_callback()
    {
        var wheel = new TimerWheel<int>(0);
        TimerHandle doomed = default;
        var fired = new List<(long Deadline, int Payload, long Now)>();
        var sink = new CallbackSink((deadline, payload) =>
        {
            fired.Add((deadline, payload, wheel.Now));
            if (payload == 1)
            {
                wheel.Schedule(wheel.Now, 10);
                wheel.Schedule(wheel.Now + 50, 11);
                wheel.Schedule(wheel.Now + 500, 12);
                Assert.True(wheel.Cancel(doomed));
            }
        });
        wheel.Schedule(100, 1);
        doomed = wheel.Schedule(120, 2);
        wheel.Schedule(160, 3);

        Assert.Equal(4, wheel.Advance(200, ref sink));
        Assert.Equal([(100, 1, 100), (100, 10, 100), (150, 11, 150), (160, 3, 160)], fired);
        Assert.Equal(1, wheel.Count);
    }

    [Fact]
    public void The_pool_grows_while_callbacks_schedule()
    {
        var wheel = new TimerWheel<int>(0, initialCapacity: 1);
        var fired = new List<int>();
        var sink = new CallbackSink((_, payload) =>
        {
            fired.Add(payload);
            if (payload < 1_000)
            {
                wheel.Schedule(wheel.Now, (2 * payload) + 1);
                wheel.Schedule(wheel.Now + 1, (2 * payload) + 2);
            }
        });
        wheel.Schedule(1, 0);

        wheel.Advance(100, ref sink);

        Assert.Equal(2_001, fired.Count);
        Assert.Equal(0, wheel.Count);
        Assert.True(wheel.Capacity > 1);
    }

    [Fact]
    public void Advance_from_a_callback_throws_and_leaves_the_wheel_usable()
    {
        var wheel = new TimerWheel<int>(0);
        var inner = new CallbackSink((_, _) => { });
        var sink = new CallbackSink((_, _) => wheel.Advance(1_000, ref inner));
        wheel.Schedule(10, 1);
        wheel.Schedule(20, 2);

        Assert.Throws<InvalidOperationException>(() => wheel.Advance(100, ref sink));
        Assert.Equal(10, wheel.Now);
        Assert.Equal([(20, 2)], Fire(wheel, 100));
    }

    [Fact]
    public void A_throwing_sink_leaves_the_remaining_timers_scheduled()
    {
        var wheel = new TimerWheel<int>(0);
        var sink = new CallbackSink((_, payload) =>
        {
            if (payload == 2)
            {
                throw new InvalidOperationException("sink failed");
            }
        });
        wheel.Schedule(10, 1);
        wheel.Schedule(20, 2);
        wheel.Schedule(30, 3);

        Assert.Throws<InvalidOperationException>(() => wheel.Advance(100, ref sink));
        Assert.Equal(1, wheel.Count);
        Assert.Equal([(30, 3)], Fire(wheel, 100));
    }

    [Fact]
    public void Count_tracks_schedules_cancels_and_firings()
    {
        var wheel = new TimerWheel<int>(0, initialCapacity: 2);
        var handles = Enumerable.Range(0, 100).Select(i => wheel.Schedule(i * 1_000, i)).ToList();
        Assert.Equal(100, wheel.Count);

        for (int i = 0; i < 100; i += 2)
        {
            wheel.Cancel(handles[i]);
        }

        Assert.Equal(50, wheel.Count);
        Assert.Equal(25, Fire(wheel, 49_999).Count);
        Assert.Equal(25, wheel.Count);
        Assert.False(wheel.Cancel(handles[1]));
        Assert.True(wheel.Cancel(handles[99]));
        Assert.Equal(24, wheel.Count);
        Assert.Equal(24, Fire(wheel, long.MaxValue).Count);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void Next_deadline_is_exact_and_the_wake_time_bounds_it()
    {
        var wheel = new TimerWheel<int>(Epoch);
        Assert.False(wheel.TryGetNextDeadline(out _));
        Assert.False(wheel.TryGetNextWakeTime(out _));

        wheel.Schedule(Epoch + 300_007, 1);
        wheel.Schedule(Epoch + 300_003, 2);
        wheel.Schedule(Epoch + 900_000, 3);

        Assert.True(wheel.TryGetNextDeadline(out long next));
        Assert.Equal(Epoch + 300_003, next);

        // Sleeping until each wake time converges on the deadline in a few wake-ups, firing nothing early.
        int wakeUps = 0;
        while (wheel.TryGetNextWakeTime(out long wake) && wake < next)
        {
            Assert.InRange(wake, Epoch + 1, next);
            Assert.Empty(Fire(wheel, wake));
            wakeUps++;
        }

        Assert.InRange(wakeUps, 1, 4);
        Assert.True(wheel.TryGetNextWakeTime(out long exact));
        Assert.Equal(next, exact);
        Assert.Equal([(Epoch + 300_003, 2)], Fire(wheel, exact));
    }

    private static List<(long Deadline, int Payload)> Fire(TimerWheel<int> wheel, long now)
    {
        var fired = new List<(long Deadline, int Payload)>();
        var sink = new CallbackSink((deadline, payload) => fired.Add((deadline, payload)));
        int count = wheel.Advance(now, ref sink);
        Assert.Equal(fired.Count, count);
        return fired;
    }
}
