using CallJoin.ClickHouse.Schema;
using CallJoin.Kafka.Ingest;
using CallJoin.Service.Settings;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>
/// Partitions move with the same output as no move: the same input read by one uninterrupted replica, and by static
/// replicas scaled 2 → 3 → 1 (one of them losing its volume on the way) or group members leaving and joining, leaves
/// identical calls_complete and calljoin_errors tables (read with FINAL).
/// </summary>
/// <remarks>
/// The moved run reads the input a part at a time: each part is published, and every replica of that step reads it to
/// its end before the step stops, so where each step stops is fixed by the input, not by timing. Until the last step,
/// stream time must come from the records only: the wall clock moving it while the input is cut off (the idle advance)
/// would time out halves whose partners are merely unpublished yet, which is another input, not a move.
/// </remarks>
[Collection(nameof(ServiceRuns))]
public sealed class ScalingEquivalenceTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    private const string CallsFinal = "SELECT count() FROM {db}.calls_complete FINAL";
    private const string ErrorsFinal = "SELECT count() FROM {db}.calljoin_errors FINAL";

    private static readonly TimeSpan NoIdleAdvance = TimeSpan.FromHours(1);

    /// <summary>Every row by its key, its version and a hash of all its columns (the times shown for reading a difference).</summary>
    private static readonly string CallRows =
        "SELECT concat(id, ' v', toString(created_at), ' ', toString(started_at), ' → ', toString(ended_at), ' #', "
        + $"hex(cityHash64({string.Join(", ", CallsCompleteTable.Columns.Select(c => c.Name))}))) AS row "
        + "FROM {db}.calls_complete FINAL ORDER BY row";

    /// <summary>
    /// Every error record by its key and content, first_seen (the record's timestamp) included; its created_at (the
    /// sink's clock at writing) is left out.
    /// </summary>
    private const string ErrorRows =
        "SELECT concat(reason, ' ', topic, '[', toString(partition), ']@', toString(offset), ' call ', call_id, ' project ', project_id, "
        + "' first_seen ', toString(first_seen), ' #', hex(cityHash64(payload))) AS row FROM {db}.calljoin_errors FINAL ORDER BY row";

    [Fact]
    public async Task Static_replicas_scaled_2_3_1_with_a_lost_volume_write_the_same_tables_as_one_replica()
    {
        await using var moved = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 6);
        await using var unmoved = await moved.OverTheSameTopicsAsync(clickHouse);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 2_000, Seed = 23 });
        var expected = workload.Expected;
        var events = workload.Events().ToArray();
        var third = events.Length / 3;
        var zero = moved.NewStateDirectory();
        var one = moved.NewStateDirectory();

        // Two replicas read the first third.
        await moved.PublishAsync(events[..third]);
        await ReadPublishedAsync(
            moved.Settings(ordinal: 0, replicas: 2, stateDirectory: zero) with { IdleAdvanceAfter = NoIdleAdvance },
            moved.Settings(ordinal: 1, replicas: 2, stateDirectory: one) with { IdleAdvanceAfter = NoIdleAdvance });

        // Three read the second: ordinal 0 resumes from its checkpoint (partition 0; 3 moves to it from ordinal 1),
        // ordinal 1 lost its volume (its partitions 1 and 4 start at the committed offsets), ordinal 2 is new.
        TempDirectory.Delete(one);
        await moved.PublishAsync(events[third..(2 * third)]);
        await ReadPublishedAsync(
            moved.Settings(ordinal: 0, replicas: 3, stateDirectory: zero) with { IdleAdvanceAfter = NoIdleAdvance },
            moved.Settings(ordinal: 1, replicas: 3, stateDirectory: one) with { IdleAdvanceAfter = NoIdleAdvance },
            moved.Settings(ordinal: 2, replicas: 3) with { IdleAdvanceAfter = NoIdleAdvance });

        // One reads the rest, and its idle advance makes every timeout due.
        await moved.PublishAsync(events[(2 * third)..]);
        await using (var last = await ServiceHarness.StartAsync(moved.Settings(ordinal: 0, replicas: 1, stateDirectory: zero)))
        {
            await WaitUntilSettledAsync(last);
        }

        // The unmoved run: one replica reads the same topics, all published by now, into its own database.
        await using (var single = await ServiceHarness.StartAsync(unmoved.Settings()))
        {
            Assert.Equal(expected.CallsInTable, await unmoved.WaitForAsync(CallsFinal, expected.CallsInTable));
            Assert.Equal(expected.ErrorRecords, await unmoved.WaitForAsync(ErrorsFinal, expected.ErrorRecords));
            await WaitUntilSettledAsync(single);
        }

        await AssertSameTablesAsync(unmoved, moved);
    }

    [Fact]
    public async Task Group_members_leaving_and_joining_with_fresh_state_write_the_same_tables_as_one_member()
    {
        await using var moved = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 6);
        await using var unmoved = await moved.OverTheSameTopicsAsync(clickHouse);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 2_000, Seed = 29 });
        var expected = workload.Expected;
        var events = workload.Events().ToArray();
        var third = events.Length / 3;
        var member = () => moved.Settings(IngestOwnership.Group) with { IdleAdvanceAfter = NoIdleAdvance };

        // Two members split the first third; then one leaves and the other takes its partitions over for the second.
        await moved.PublishAsync(events[..third]);
        await using (var first = await ServiceHarness.StartAsync(member()))
        {
            await using (var second = await ServiceHarness.StartAsync(member()))
            {
                await WaitForAsync(() => Owns(first, 3) && Owns(second, 3) && HasReadAllAndWritten(first) && HasReadAllAndWritten(second),
                    () => $"first: {Describe(first)}; second: {Describe(second)}", "split 3 and 3 and read all that was published");
            }

            await WaitForAsync(() => Owns(first, 6), () => Describe(first), "given every partition once the second member left");
            await moved.PublishAsync(events[third..(2 * third)]);
            await WaitForAsync(() => HasReadAllAndWritten(first), () => Describe(first), "read all that was published");

            // A new member with a fresh state joins and takes half the partitions; the last third is read by the two.
            await using var joined = await ServiceHarness.StartAsync(member());
            await WaitForAsync(() => Owns(first, 3) && Owns(joined, 3) && HasReadAllAndWritten(first) && HasReadAllAndWritten(joined),
                () => $"first: {Describe(first)}; joined: {Describe(joined)}", "split 3 and 3 and read all that was published");
            await moved.PublishAsync(events[(2 * third)..]);
            await WaitForAsync(() => HasReadAllAndWritten(first) && HasReadAllAndWritten(joined),
                () => $"first: {Describe(first)}; joined: {Describe(joined)}", "read all that was published");
        }

        // The members stopped holding what was still pending; a last member reads that again and lets every timeout fall due.
        await using (var last = await ServiceHarness.StartAsync(moved.Settings(IngestOwnership.Group)))
        {
            await WaitUntilSettledAsync(last);
        }

        await using (var single = await ServiceHarness.StartAsync(unmoved.Settings(IngestOwnership.Group)))
        {
            Assert.Equal(expected.CallsInTable, await unmoved.WaitForAsync(CallsFinal, expected.CallsInTable));
            Assert.Equal(expected.ErrorRecords, await unmoved.WaitForAsync(ErrorsFinal, expected.ErrorRecords));
            await WaitUntilSettledAsync(single);
        }

        await AssertSameTablesAsync(unmoved, moved);
    }

    private static bool Owns(RunningService running, int partitions) =>
        running.Service.Ingest!.Assignment.StartPartitions.Count == partitions;

    /// <summary>Starts a replica per settings, waits until every one has read all that is published and made its outcomes durable, and stops them.</summary>
    private static async Task ReadPublishedAsync(params ServiceSettings[] replicas)
    {
        var running = new List<RunningService>();
        try
        {
            foreach (var settings in replicas)
            {
                running.Add(await ServiceHarness.StartAsync(settings));
            }

            foreach (var service in running)
            {
                await WaitForAsync(() => HasReadAllAndWritten(service), () => Describe(service), "read all that was published");
            }
        }
        finally
        {
            foreach (var service in running)
            {
                await service.DisposeAsync();
            }
        }
    }

    private static bool HasReadAllAndWritten(RunningService running)
    {
        var service = running.Service;
        var s = service.Snapshot;
        var sink = service.Sink!;
        return service.Ingest!.IsCaughtUp
            && s.LookupsPending == 0
            && sink.InsertedRows + sink.RejectedRows + sink.RowsOverInsertLimit == s.Matched + s.RunningRows
            && sink.BufferedBytes == 0;
    }

    /// <summary>Read to the end, every timeout due and its outcome out of the state, and every row durable.</summary>
    private static Task WaitUntilSettledAsync(RunningService running) => WaitForAsync(
        () => HasReadAllAndWritten(running)
            && running.Service.Snapshot.StreamTimeMillis >= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000
            && running.Service.Snapshot.State.Entries == 0,
        () => Describe(running),
        "settled");

    private static string Describe(RunningService running)
    {
        var service = running.Service;
        var s = service.Snapshot;
        var sink = service.Sink!;
        return $"caught up {service.Ingest!.IsCaughtUp} (lag {string.Join(',', service.Ingest.Lag.Select(l => l.Messages))}), stream time "
            + $"{DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(0, s.StreamTimeMillis)):O}, rows {sink.InsertedRows}+{sink.RejectedRows}+{sink.RowsOverInsertLimit} "
            + $"against {s.Matched}+{s.RunningRows}, buffered {sink.BufferedBytes}, lookups pending {s.LookupsPending}, state entries {s.State.Entries}";
    }

    private static async Task WaitForAsync(Func<bool> condition, Func<string> describe, string what)
    {
        for (var i = 0; i < 900 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), $"the service was not {what} within 90 s: {describe()}");
    }

    /// <summary>
    /// The moved run's tables hold exactly the unmoved run's rows. Its last step settled before the unmoved run started,
    /// but an error record's write is not counted by the settle condition: the rows are read until they agree or 30 s pass.
    /// </summary>
    private static async Task AssertSameTablesAsync(ServiceHarness unmoved, ServiceHarness moved)
    {
        foreach (var (table, sql) in new[] { ("calls_complete", CallRows), ("calljoin_errors", ErrorRows) })
        {
            var want = await RowsAsync(unmoved, sql);
            var got = await RowsAsync(moved, sql);
            for (var i = 0; i < 150 && !want.SequenceEqual(got); i++)
            {
                await Task.Delay(200);
                got = await RowsAsync(moved, sql);
            }

            var missing = want.Except(got).ToList();
            var extra = got.Except(want).ToList();
            Assert.True(missing.Count == 0 && extra.Count == 0,
                $"{table} differs after the moves: {want.Count} rows without moves, {got.Count} with; "
                + $"only without moves ({missing.Count}): {string.Join(" | ", missing.Take(10))}; "
                + $"only with moves ({extra.Count}): {string.Join(" | ", extra.Take(10))}");
            Assert.Equal(want, got);
        }
    }

    private static async Task<List<string>> RowsAsync(ServiceHarness harness, string sql)
    {
        using var reader = await harness.Client.ExecuteReaderAsync(sql.Replace("{db}", harness.Database, StringComparison.Ordinal));
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
