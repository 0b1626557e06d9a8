using System.Globalization;
using System.Text;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Service;
using CallJoin.Service.Pipeline;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>Stream time against broken clocks and large jumps, in the running service.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class ServiceClockTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_record_stamped_a_year_ahead_is_clamped_and_times_out_nothing()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 2);
        await using var service = await ServiceHarness.StartAsync(harness.Settings() with { MaxClockSkew = TimeSpan.FromSeconds(30) });
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await harness.PublishAsync([Start("waiting", now, now), Start("from-the-future", now, now + TimeSpan.FromDays(365).Ticks / 10_000)]);

        // Caught up and idle, stream time follows the wall clock: the clamped record may not carry it a year ahead.
        await WaitUntil(() => service.Service.Snapshot is { StartsConsumed: 2 } s && s.StreamTimeMillis >= now,
            "the service reads both starts and moves stream time to the wall clock");
        var snapshot = service.Service.Snapshot;
        Assert.Equal(1, snapshot.ClampedRecords);
        Assert.InRange(snapshot.StreamTimeMillis, now, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 30_000);
        Assert.Equal(0, snapshot.RunningRows);

        await harness.PublishAsync([End("waiting", now + 1_000)]);
        Assert.Equal(1, await harness.WaitForAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at > toDateTime64(0, 6)", 1, Bound));
        Assert.Equal(0, await harness.ScalarAsync("SELECT count() FROM {db}.calls_complete WHERE ended_at = toDateTime64(0, 6)"));
    }

    [Fact]
    public async Task Timeouts_that_fall_due_during_a_ClickHouse_outage_fire_a_slice_at_a_time_as_the_sink_has_room()
    {
        const int Starts = 3_000;
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 4);
        var settings = harness.Settings();
        settings = settings with
        {
            Sink = settings.Sink with { MaxBatchBytes = 16 << 10, MaxBufferedBytes = 16 << 10 },
            Join = settings.Join with { LatePartners = LatePartnerSource.RetainedState, StartTimeout = TimeSpan.FromSeconds(2) },
        };
        await using var service = await ServiceHarness.StartAsync(settings);
        Assert.True(service.Service.IsReady, "the service migrates and starts consuming");

        // Starts from ten minutes ago with a 2 s timeout: once read to the end, all of them fall due at once, whether stream
        // time stood at their stamps or had already moved to the wall clock (nothing to read before they were published).
        var ago = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (10 * 60_000);
        using var timeout = new CancellationTokenSource(Bound);
        await clickHouse.Server.SuspendAsync(timeout.Token);
        try
        {
            await harness.PublishAsync(Enumerable.Range(0, Starts).Select(i => Start("s" + i, ago, ago)));
            await WaitUntil(() => service.Service.Snapshot is { StartsConsumed: Starts, RunningRows: > 0 } && service.Service.Sink!.BufferedBytes > (16 << 10),
                "every start is read, and timeouts fire until the sink is full");
            await Task.Delay(TimeSpan.FromSeconds(2));   // time for more firing, were it not bounded

            // The sink stays full while ClickHouse is away, so no more than the slice that filled it may have fired.
            Assert.InRange(service.Service.Snapshot.RunningRows, 1, JoinPipeline.TimeoutSlice);
        }
        finally
        {
            await clickHouse.Server.ResumeAsync(CancellationToken.None);
        }

        Assert.Equal(Starts, await harness.WaitForAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)", Starts, Bound));
    }

    [Fact]
    public async Task Timeouts_that_fall_due_during_a_ClickHouse_outage_are_looked_up_once_it_is_back_and_decide_nothing_before()
    {
        const int Starts = 3_000;
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 4);
        var settings = harness.Settings();
        settings = settings with
        {
            Sink = settings.Sink with { MaxBatchBytes = 16 << 10, MaxBufferedBytes = 16 << 10 },
            Join = settings.Join with { StartTimeout = TimeSpan.FromSeconds(2) },
        };
        await using var service = await ServiceHarness.StartAsync(settings);

        var ago = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (10 * 60_000);
        using var timeout = new CancellationTokenSource(Bound);
        await clickHouse.Server.SuspendAsync(timeout.Token);
        try
        {
            await harness.PublishAsync(Enumerable.Range(0, Starts).Select(i => Start("s" + i, ago, ago)));
            await WaitUntil(() => service.Service.Snapshot is { StartsConsumed: Starts, Lookups: Starts, LookupFailures: > 0 },
                () => $"every start is read, times out and is looked up, and the lookup fails while ClickHouse is away ({Describe(service.Service)})");

            // Without ClickHouse's answer no start may be given an outcome: each still waits in state, its offset held.
            var snapshot = service.Service.Snapshot;
            Assert.Equal(0, snapshot.RunningRows);
            Assert.Equal(Starts, snapshot.State.Entries);
            Assert.True(service.Service.LookupsFailing, "readiness reports the failing lookups");
        }
        finally
        {
            await clickHouse.Server.ResumeAsync(CancellationToken.None);
        }

        Assert.Equal(Starts, await harness.WaitForAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)", Starts, Bound));
        await WaitUntil(() => service.Service.Snapshot.State.Entries == 0, "every start leaves the state with its running row");
    }

    private static Task WaitUntil(Func<bool> condition, string what) => WaitUntil(condition, () => what);

    private static async Task WaitUntil(Func<bool> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting: " + what());
            await Task.Delay(100);
        }
    }

    private static string Describe(CallJoinService service)
    {
        var s = service.Snapshot;
        return $"{s.StartsConsumed} starts read, {s.Lookups} looked up, {s.LookupFailures} lookup failures, {s.LookupsPending} pending, "
            + $"stream time {s.StreamTimeMillis}, paused {service.Ingest?.IsPaused}, checkpointing {service.IsCheckpointing}, "
            + $"{service.Sink?.BufferedBytes} bytes buffered";
    }

    private static WorkloadEvent Start(string id, long startedAtMillis, long timestampMillis) => new(
        CallSide.Start, Encoding.UTF8.GetBytes(id),
        Encoding.UTF8.GetBytes($$$"""{"project_id":"p","id":"{{{id}}}","op_name":"weave:///e/p/op/f:v","trace_id":"t-{{{id}}}","started_at":"{{{Iso(startedAtMillis)}}}","attributes":{},"inputs":{}}"""),
        timestampMillis, WorkloadEventKind.Start);

    private static WorkloadEvent End(string id, long endedAtMillis) => new(
        CallSide.End, Encoding.UTF8.GetBytes(id),
        Encoding.UTF8.GetBytes($$$"""{"project_id":"p","id":"{{{id}}}","ended_at":"{{{Iso(endedAtMillis)}}}","output":null,"summary":{}}"""),
        endedAtMillis, WorkloadEventKind.End);

    private static string Iso(long millis) =>
        DateTimeOffset.FromUnixTimeMilliseconds(millis).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
