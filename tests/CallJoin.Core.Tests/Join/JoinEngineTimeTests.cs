using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;

namespace CallJoin.Core.Tests.Join;

/// <summary>Stream time against bad clocks and large jumps: halves stamped in the past, timeouts fired in slices.</summary>
public sealed class JoinEngineTimeTests
{
    private const long T0 = 1_767_225_600_000;
    private const long Minute = 60_000;
    private const long Day = 24 * 60 * Minute;

    [Fact]
    public void An_end_stamped_days_in_the_past_still_waits_its_timeout_and_joins_its_start()
    {
        var (engine, output) = NewEngine(new JoinOptions { RecordsAdvanceTime = false });
        engine.AdvanceTime(T0);

        // A client clock two days behind: without the rule its timeout and retention are both over on arrival.
        engine.Process(CallSide.End, Half(CallSide.End, "late", T0 - (2 * Day)), new SourcePosition(0, 1), T0 - (2 * Day));
        engine.AdvanceTime(T0 + Minute);
        engine.Process(CallSide.Start, Half(CallSide.Start, "late", T0 - (2 * Day) - 1_000), new SourcePosition(0, 2), T0 + Minute);

        Assert.Equal(["complete"], output.Results.Select(r => r.Kind));
        Assert.Equal(0, engine.Counters.StartMissing);
    }

    [Fact]
    public void A_half_stamped_in_the_past_times_out_a_full_timeout_after_it_arrived()
    {
        var (engine, output) = NewEngine(new JoinOptions { RecordsAdvanceTime = false });
        engine.AdvanceTime(T0);
        engine.Process(CallSide.Start, Half(CallSide.Start, "s", T0 - Day), default, T0 - Day);

        engine.AdvanceTime(T0 + (5 * Minute) - 1);
        Assert.Empty(output.Results);
        engine.AdvanceTime(T0 + (5 * Minute));
        Assert.Equal(["running"], output.Results.Select(r => r.Kind));
    }

    [Fact]
    public void Timeouts_fired_in_slices_give_what_one_advance_gives_in_the_same_order()
    {
        var (whole, wholeOutput) = NewEngine(new JoinOptions { RecordsAdvanceTime = false });
        var (sliced, slicedOutput) = NewEngine(new JoinOptions { RecordsAdvanceTime = false });
        var random = new Random(11);
        foreach (var engine in new[] { whole, sliced })
        {
            engine.AdvanceTime(T0);
        }

        for (var i = 0; i < 500; i++)
        {
            var side = random.Next(2) == 0 ? CallSide.Start : CallSide.End;
            var at = T0 + random.NextInt64(10 * Minute);
            var payload = Half(side, "c" + i, at);
            whole.Process(side, payload, new SourcePosition(0, i), at);
            sliced.Process(side, payload, new SourcePosition(0, i), at);
        }

        whole.AdvanceTime(T0 + (30 * Day));
        var slices = 1;
        while (!sliced.AdvanceTime(T0 + (30 * Day), maxTimeouts: 37))
        {
            slices++;
            Assert.True(sliced.TimeoutsDue);
            Assert.True(slicedOutput.Results.Count <= slices * 37, "a slice applies at most its budget");
        }

        Assert.False(sliced.TimeoutsDue);
        Assert.True(slices > 10, $"500 halves expire twice each, so 37 a slice takes many slices (took {slices})");
        Assert.Equal(wholeOutput.Results.Select(r => r.ToString()), slicedOutput.Results.Select(r => r.ToString()));
        Assert.Equal(whole.Counters.ExpiredStarts + whole.Counters.ExpiredEnds, sliced.Counters.ExpiredStarts + sliced.Counters.ExpiredEnds);
        Assert.Equal(0, sliced.PendingTimers);
    }

    private static (JoinEngine<RecordingOutput> Engine, RecordingOutput Output) NewEngine(JoinOptions options)
    {
        var output = new RecordingOutput();
        return (new JoinEngine<RecordingOutput>(new InMemoryPendingStore(), options, output), output);
    }

    private static byte[] Half(CallSide side, string id, long ms) =>
        Encoding.UTF8.GetBytes(new HalfEvent(side, "p", id, 1, ms * 1000, ms, default).Json);
}
