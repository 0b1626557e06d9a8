using CallJoin.Core.Timers;

namespace CallJoin.Core.Tests.Timers;

/// <summary>Advancing with a budget: the same timers in the same order as one advance, a slice at a time.</summary>
public class TimerWheelSliceTests
{
    private const long Epoch = 1_700_000_000_000;
    private const long Day = 86_400_000;

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Slices_fire_what_one_advance_fires_in_the_same_order(int budget)
    {
        var random = new Random(budget);
        var whole = new TimerWheel<int>(Epoch);
        var sliced = new TimerWheel<int>(Epoch);
        for (int i = 0; i < 3_000; i++)
        {
            long deadline = Epoch + random.NextInt64(10 * Day);
            whole.Schedule(deadline, i);
            sliced.Schedule(deadline, i);
        }

        var expected = new List<(long, int)>();
        var wholeSink = new CallbackSink((deadline, payload) => expected.Add((deadline, payload)));
        whole.Advance(Epoch + (5 * Day), ref wholeSink);

        var fired = new List<(long, int)>();
        var sink = new CallbackSink((deadline, payload) => fired.Add((deadline, payload)));
        while (true)
        {
            int count = sliced.Advance(Epoch + (5 * Day), ref sink, budget);
            Assert.InRange(count, 0, budget);
            if (count < budget)
            {
                break;
            }

            Assert.True(sliced.Now <= Epoch + (5 * Day));
        }

        Assert.Equal(expected, fired);
        Assert.Equal(Epoch + (5 * Day), sliced.Now);
        Assert.Equal(whole.Count, sliced.Count);
    }

    [Fact]
    public void Out_of_budget_the_clock_stays_at_the_deadline_reached_and_a_new_timer_keeps_its_place()
    {
        var wheel = new TimerWheel<int>(Epoch);
        wheel.Schedule(Epoch + 100, 1);
        wheel.Schedule(Epoch + 200, 2);
        wheel.Schedule(Epoch + 300, 3);
        var fired = new List<int>();
        var sink = new CallbackSink((_, payload) => fired.Add(payload));

        Assert.Equal(1, wheel.Advance(Epoch + 1_000, ref sink, 1));
        Assert.True(wheel.Now < Epoch + 1_000);

        // Scheduled between slices, due before the timers still waiting: it fires first, as deadline order says.
        wheel.Schedule(Epoch + 150, 4);
        Assert.Equal(3, wheel.Advance(Epoch + 1_000, ref sink, 10));
        Assert.Equal([1, 4, 2, 3], fired);
        Assert.Equal(Epoch + 1_000, wheel.Now);
    }
}
