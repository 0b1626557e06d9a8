using System.Text;
using CallJoin.Bench.Compare.Streamiz;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Publishing;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Bench.Tests;

/// <summary>The Streamiz contender joins what our engine joins, into the same row bytes.</summary>
public sealed class StreamizJoinTests(BrokerFixture kafka)
{
    private const int Partitions = 3;

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

        Assert.True(result.Notes.Count == 0, string.Join("; ", result.Notes));
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
    public void Redelivered_halves_join_again_and_bad_messages_join_nothing()
    {
        var events = new WeaveWorkload(new WorkloadOptions { Calls = 400, Seed = 5, DuplicateHalf = 0.1, Malformed = 0.02, CompactHalves = true }).Events().ToList();
        var calls = CallsWithinWindow(events.Where(e => e.Kind is WorkloadEventKind.Start or WorkloadEventKind.End), TimeSpan.FromMinutes(5)).Count;
        var expected = StreamizRun.ExpectedRows(events);
        Assert.True(expected > calls, $"{expected} pairs for {calls} calls: the redeliveries should pair again");

        var result = StreamizRun.InProcess(events);

        Assert.True(result.Notes.Count == 0, string.Join("; ", result.Notes));
        Assert.Equal(events.Count, result.Records);
        Assert.Equal(expected, result.Rows);
    }

    [Fact]
    public void In_memory_stores_join_the_same_calls()
    {
        var events = new WeaveWorkload(s_simpleFates with { Calls = 50, Seed = 11 }).Events().ToList();
        var settings = new StreamizJoinSettings { PersistentStores = false };

        var result = StreamizRun.InProcess(events, settings);

        Assert.True(result.Notes.Count == 0, string.Join("; ", result.Notes));
        Assert.Equal(CallsWithinWindow(events, settings.Window).Count, result.Rows);
    }

    [Fact]
    public async Task On_the_embedded_broker_it_produces_a_row_per_call_whose_halves_meet_in_the_window()
    {
        // All record times within less than the stores' retention, so the join's output does not depend on how far one
        // topic's partitions are read ahead of the other's.
        var workload = new WeaveWorkload(s_simpleFates with { Calls = 150, Seed = 3, LongRunning = 0, LateStart = 0, Span = TimeSpan.FromMinutes(1) });
        var events = workload.Events().ToList();
        var topics = kafka.CreateTopics(Partitions, "streamiz-starts", "streamiz-ends");
        var settings = new StreamizJoinSettings
        {
            ApplicationId = kafka.UniqueName("streamiz"),
            StartTopic = topics[0],
            EndTopic = topics[1],
            RowTopic = kafka.UniqueName("streamiz-rows"),
        };
        var expected = StreamizRun.ExpectedRows(events, settings);
        Assert.Equal(CallsWithinWindow(events, settings.Window).Count, expected);
        Assert.InRange(expected, 100, 149);
        using (var publisher = new CallPublisher(new PublisherOptions { BootstrapServers = kafka.BootstrapServers, StartTopic = topics[0], EndTopic = topics[1], MaxInFlight = 64 }))
        {
            foreach (var e in events)
            {
                await publisher.PublishAsync(e.Side, e.Key, e.Payload, e.TimestampMillis);
            }

            await publisher.FlushAsync();
        }

        var result = await StreamizBrokerRun.RunAsync(kafka.BootstrapServers, expected, Eventually.DefaultBound, settings, (name, partitions) => kafka.Broker.CreateTopic(name, partitions));

        Assert.True(result.Notes.Count == 0, string.Join("; ", result.Notes));
        Assert.Equal(expected, result.Rows);
        Assert.Equal(events.Count, result.Records);
        await Eventually.TrueAsync(
            async () => (await kafka.EndOffsetsAsync(settings.RowTopic, Partitions)).Sum() >= expected,
            $"{expected} rows on the row topic");
        Assert.Equal(expected, (await kafka.EndOffsetsAsync(settings.RowTopic, Partitions)).Sum());

        // Each side's window store logs every record it keeps to its changelog.
        var changelogs = StreamizBrokerRun.ChangelogTopics(settings);
        Assert.Equal(
            [$"{settings.ApplicationId}-call-ends-join-store-changelog", $"{settings.ApplicationId}-call-starts-join-store-changelog"],
            changelogs);
        await Eventually.TrueAsync(
            async () => (await kafka.EndOffsetsAsync(changelogs[0], Partitions)).Sum() + (await kafka.EndOffsetsAsync(changelogs[1], Partitions)).Sum() >= events.Count,
            "every half logged to its store's changelog");
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
