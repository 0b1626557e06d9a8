using System.Text;
using CallJoin.Bench.Compare.Streamiz;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Workload;

namespace CallJoin.Bench.Tests;

/// <summary>The Streamiz contender joins what our engine joins, into the same row bytes.</summary>
public sealed class StreamizJoinTests
{
    /// <summary>Every fate but redeliveries and bad messages (a windowed join would pair a redelivery again).</summary>
    private static readonly WorkloadOptions s_simpleFates = new()
    {
        Calls = 200,
        Seed = 7,
        DuplicateHalf = 0,
        Malformed = 0,
        LargePayloads = 0,
        OrphanEnd = 0.03,
        NeverEnds = 0.03,
        LongRunning = 0.05,
        LateStart = 0.02,
    };

    [Fact]
    public void The_topology_test_driver_joins_each_call_whose_halves_meet_in_the_window_into_our_engines_row()
    {
        var events = new WeaveWorkload(s_simpleFates).Events().ToList();
        var settings = new StreamizJoinSettings { PersistentStores = true };
        var expected = CallsWithinWindow(events, settings.Window);
        Assert.InRange(expected.Count, 150, 199); // some calls miss the window or a half, most do not

        var rows = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        var result = StreamizRun.InProcess(events, settings, (key, row) =>
        {
            var id = Encoding.UTF8.GetString(key);
            if (!rows.TryGetValue(id, out var list))
            {
                rows[id] = list = [];
            }

            list.Add(row);
        });

        Assert.Empty(result.Notes);
        Assert.Equal(events.Count, result.Records);
        Assert.Equal(expected.Count, result.Rows);
        Assert.Equal(expected.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        Assert.All(rows.Values, list => Assert.Single(list));

        var engine = EngineRowsFor(events);
        foreach (var (id, list) in rows)
        {
            Assert.True(engine.Complete.TryGetValue(id, out var ours), $"our engine made no complete row for {id}");
            Assert.Equal(ours, list[0]);
        }
    }

    [Fact]
    public void In_memory_stores_join_the_same_calls()
    {
        var events = new WeaveWorkload(s_simpleFates with { Calls = 50, Seed = 11 }).Events().ToList();
        var settings = new StreamizJoinSettings { PersistentStores = false };

        var result = StreamizRun.InProcess(events, settings);

        Assert.Empty(result.Notes);
        Assert.Equal(CallsWithinWindow(events, settings.Window).Count, result.Rows);
    }

    /// <summary>Call ids whose start and end are both present, their record timestamps at most <paramref name="window"/> apart.</summary>
    private static HashSet<string> CallsWithinWindow(IEnumerable<WorkloadEvent> events, TimeSpan window)
    {
        var starts = new Dictionary<string, long>(StringComparer.Ordinal);
        var ends = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            (e.Side == CallSide.Start ? starts : ends).Add(Encoding.UTF8.GetString(e.Key), e.TimestampMillis);
        }

        return [.. starts.Where(s => ends.TryGetValue(s.Key, out var end) && Math.Abs(end - s.Value) <= window.TotalMilliseconds).Select(s => s.Key)];
    }

    private static EngineRows EngineRowsFor(IEnumerable<WorkloadEvent> events)
    {
        var output = new EngineRows();
        var engine = new JoinEngine<EngineRows>(new InMemoryPendingStore(), new JoinOptions(), output);
        var offset = 0L;
        foreach (var e in events)
        {
            engine.Process(e.Side, e.Payload, e.Key, new SourcePosition(0, offset++), e.TimestampMillis);
        }

        engine.Drain();
        return output;
    }
}
