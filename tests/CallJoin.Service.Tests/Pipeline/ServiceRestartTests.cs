using CallJoin.Kafka.Ingest;
using CallJoin.Service.Pipeline;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>
/// At-least-once across restarts and rebalances: what was not durable is read again, what was committed is not, and
/// the tables (read with FINAL) hold every call and error record once.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed class ServiceRestartTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    private const string CallsFinal = "SELECT count() FROM {db}.calls_complete FINAL";
    private const string ErrorsFinal = "SELECT count() FROM {db}.calljoin_errors FINAL";

    [Fact]
    public async Task A_restart_resumes_from_its_state_checkpoint_without_reading_anything_again()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 8);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 5_000, Seed = 5 });   // spills past the 4 MiB budget
        var expected = workload.Expected;
        await harness.PublishAsync(workload.Events());
        var state = harness.NewStateDirectory();

        // Compaction at every checkpoint: the recovered log has been compacted and truncated.
        await using (var first = await ServiceHarness.StartAsync(harness.Settings(stateDirectory: state) with { CompactAboveBytes = 0 }))
        {
            Assert.Equal(expected.CallsInTable, await harness.WaitForAsync(CallsFinal, expected.CallsInTable));
            Assert.Equal(expected.ErrorRecords, await harness.WaitForAsync(ErrorsFinal, expected.ErrorRecords));
            await first.StopAsync();
        }

        // The graceful stop checkpointed the pending state with the positions read: the second run reopens that state
        // and has nothing to read again. The starts that never end left the state with their running rows (looked up
        // at their timeout), so nothing is due again.
        await using var second = await ServiceHarness.StartAsync(harness.Settings(stateDirectory: state));
        await WaitUntilSettledAsync(second);

        Assert.Equal(0, second.Service.Ingest!.ConsumedCount);
        Assert.Equal(0, second.Service.Snapshot.RunningRows);
        Assert.Equal(0, second.Service.Snapshot.StartMissing);
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync(CallsFinal));
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync("SELECT uniqExact(id) FROM {db}.calls_complete FINAL"));
        Assert.Equal(expected.RunningOnlyRows, await harness.ScalarAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)"));
        Assert.Equal(expected.ErrorRecords, await harness.ScalarAsync(ErrorsFinal));
    }

    [Fact]
    public async Task A_restart_from_a_checkpoint_taken_before_anything_was_read_starts_and_joins()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 2);
        var state = harness.NewStateDirectory();
        await using (var first = await ServiceHarness.StartAsync(harness.Settings(stateDirectory: state)))
        {
            await first.StopAsync();
        }

        // The premise: the graceful stop checkpointed a stream that has no time yet.
        Assert.True(StateCheckpoints.HasCommitted(state), "the first run left no state checkpoint");

        // It once crashed here, logging the resumed stream time (long.MinValue) as a date; every restart did the same.
        // The records are there before it starts: published after, hours-old records would arrive at a stream time
        // already moved to the wall clock (nothing to read), and wait their full timeouts from there.
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 200, Seed = 13 });
        await harness.PublishAsync(workload.Events());
        await using var second = await ServiceHarness.StartAsync(harness.Settings(stateDirectory: state));
        Assert.Equal(workload.Expected.CallsInTable, await harness.WaitForAsync(CallsFinal, workload.Expected.CallsInTable));
    }

    [Fact]
    public async Task A_second_member_joining_the_group_takes_half_the_partitions_and_nothing_is_lost_or_doubled()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 8);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 1_500, Seed = 9 });
        var expected = workload.Expected;
        await harness.PublishAsync(workload.Events());

        await using var first = await ServiceHarness.StartAsync(harness.Settings(IngestOwnership.Group));
        Assert.Equal(expected.CallsInTable, await harness.WaitForAsync(CallsFinal, expected.CallsInTable));

        // The second member's join revokes the first one's partitions: it makes them durable, commits, forgets their
        // pending halves, and each member reads its half again from the committed offsets.
        await using var second = await ServiceHarness.StartAsync(harness.Settings(IngestOwnership.Group));
        await WaitForAsync(() => first.Service.Ingest!.Assignment.StartPartitions.Count == 4 && second.Service.Ingest!.Assignment.StartPartitions.Count == 4, () => "the two members did not split the partitions 4 and 4");
        await WaitUntilSettledAsync(first);
        await WaitUntilSettledAsync(second);

        Assert.Equal(8, first.Service.Ingest!.Assignment.StartPartitions.Union(second.Service.Ingest!.Assignment.StartPartitions).Count());
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync(CallsFinal));
        Assert.Equal(expected.CallsInTable, await harness.ScalarAsync("SELECT uniqExact(id) FROM {db}.calls_complete FINAL"));
        Assert.Equal(expected.RunningOnlyRows, await harness.ScalarAsync("SELECT count() FROM {db}.calls_complete FINAL WHERE ended_at = toDateTime64(0, 6)"));
        await AssertErrorsAsync(harness, expected);
    }

    /// <summary>
    /// Every malformed message has exactly its record and every orphan end its start_missing. In group mode partitions
    /// move without their state, so re-read ends can add start_missing records: an orphan end holds its partition's
    /// commit point, and the ends after it are read again while their starts, committed, are not.
    /// </summary>
    private static async Task AssertErrorsAsync(ServiceHarness harness, WorkloadExpectation expected)
    {
        foreach (var (reason, count) in expected.ErrorsByReason.Where(r => r.Key != "start_missing"))
        {
            Assert.Equal(count, await harness.ScalarAsync($"SELECT count() FROM {{db}}.calljoin_errors FINAL WHERE reason = '{reason}'"));
        }

        Assert.True(await harness.ScalarAsync("SELECT count() FROM {db}.calljoin_errors FINAL WHERE reason = 'start_missing'") >= expected.StartMissingErrors);
    }

    /// <summary>Read to the end, every timeout due, and every row and error record the join wrote durable.</summary>
    private static Task WaitUntilSettledAsync(RunningService running) => WaitForAsync(() =>
    {
        var service = running.Service;
        var s = service.Snapshot;
        var sink = service.Sink!;
        return service.Ingest!.IsCaughtUp
            && s.StreamTimeMillis >= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000
            && sink.InsertedRows + sink.RejectedRows + sink.RowsOverInsertLimit == s.Matched + s.RunningRows
            && sink.BufferedBytes == 0;
    }, () =>
    {
        var service = running.Service;
        var s = service.Snapshot;
        var sink = service.Sink!;
        return $"caught up {service.Ingest!.IsCaughtUp} (lag {string.Join(',', service.Ingest.Lag.Select(l => l.Messages))}), stream time "
            + $"{DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(0, s.StreamTimeMillis)):O}, rows {sink.InsertedRows}+{sink.RejectedRows}+{sink.RowsOverInsertLimit} "
            + $"against {s.Matched}+{s.RunningRows}, buffered {sink.BufferedBytes}, checkpointing {service.IsCheckpointing}, paused {service.Ingest.IsPaused}";
    });

    private static async Task WaitForAsync(Func<bool> condition, Func<string> describe)
    {
        for (var i = 0; i < 1_200 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "the service did not settle within two minutes: " + describe());
    }
}
