using System.Globalization;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>
/// No batch stalls the sink: rows from too many months are split by month, a row ClickHouse refuses for an unknown
/// reason is isolated, a transient error is retried and logged, a bug stops the sink at once, any database name works.
/// </summary>
public sealed class SinkBadBatchTests(ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    private static SinkOptions FastRetries => new()
    {
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        RetryMaxDelay = TimeSpan.FromMilliseconds(5),
        FailureLogInterval = TimeSpan.FromDays(1),
    };

    [Fact]
    public async Task Rows_and_error_records_from_150_months_in_one_batch_all_land()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_months");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        var transport = new FaultyTransport(new DriverInsertTransport(db.Client, gzip: true));
        await using var sink = new ClickHouseSink(transport, new SinkOptions());
        var firstMonth = new DateTimeOffset(2014, 1, 15, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 150; i++)
        {
            sink.AddRow(rows.Build(i, months: i - 100), 1_000, SinkTestRows.Sources(i));
            var seen = firstMonth.AddMonths(i).ToUnixTimeMilliseconds();
            sink.AddError(new JoinError("missing_field:id", CallSide.Start, new SourcePosition(1, i), seen, seen, default, default, "{}"u8));
        }

        sink.AddMark(new NamedMark("all"));
        await sink.CompleteAsync(timeout.Token);
        var acks = await ClickHouseSinkTests.ReadAllAsync(sink, timeout.Token);

        Assert.Equal([(150, 150, "all")], acks.Select(a => (a.Rows, a.Errors, (string)NamedMark.Names(a.Marks).Single())));
        Assert.Equal(150UL, await db.CountAsync("SELECT count() FROM calls_complete FINAL"));
        Assert.Equal(150UL, await db.CountAsync("SELECT uniqExact(toYYYYMM(started_at)) FROM calls_complete"));
        Assert.Equal(150UL, await db.CountAsync("SELECT count() FROM calljoin_errors FINAL"));
        Assert.Equal(150UL, await db.CountAsync("SELECT uniqExact(toYYYYMM(first_seen)) FROM calljoin_errors"));
        // Two inserts per table (100 months, then 50), none refused and none retried.
        Assert.Equal(4, transport.Attempts);
        Assert.Equal((0L, 0L), (sink.RejectedRows, sink.Retries));
    }

    [Fact]
    public async Task An_insert_clickhouse_refuses_for_spanning_too_many_partitions_is_bisected_and_lands()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_partitions");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        var transport = new FaultyTransport(new DriverInsertTransport(db.Client, gzip: true));
        // A limit above the server's (max_partitions_per_insert_block = 100): the first insert is refused with code 252.
        await using var sink = new ClickHouseSink(transport, new SinkOptions { MaxPartitionsPerInsert = 1_000 });
        for (var i = 0; i < 150; i++)
        {
            sink.AddRow(rows.Build(i, months: i - 100), 1_000, SinkTestRows.Sources(i));
        }

        await sink.CompleteAsync(timeout.Token);

        Assert.Equal(150UL, await db.CountAsync("SELECT count() FROM calls_complete FINAL"));
        Assert.Equal(3, transport.Attempts);   // refused, then two halves of 75 months
        Assert.Equal((0L, 0L), (sink.RejectedRows, sink.Retries));
    }

    [Fact]
    public async Task A_row_refused_with_an_unknown_code_is_isolated_and_the_acks_go_on()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_unknown_code");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        var log = new RecordingLogger();
        var transport = new FaultyTransport(new DriverInsertTransport(db.Client, gzip: true))
        {
            FailWith = (table, block) => table.EndsWith("`calls_complete`", StringComparison.Ordinal) && block.Span.IndexOf("poison"u8) >= 0
                ? new ClickHouseServerException("Code: 4321. DB::Exception: Something this sink has never heard of. (SOMETHING_NEW)", "INSERT", 4321)
                : null,
        };
        await using var sink = new ClickHouseSink(transport, FastRetries, log: log);

        for (var i = 0; i < 100; i++)
        {
            sink.AddRow(rows.Build(i, i == 37 ? "poison" : "op"), 1_000 + i, SinkTestRows.Sources(i));
        }

        sink.AddMark(new NamedMark("first"));
        await sink.FlushAsync(timeout.Token);
        sink.AddRow(rows.Build(100), 1_100, SinkTestRows.Sources(100));
        sink.AddMark(new NamedMark("second"));
        await sink.CompleteAsync(timeout.Token);
        var acks = await ClickHouseSinkTests.ReadAllAsync(sink, timeout.Token);

        Assert.Equal([(99, 1, "first"), (1, 0, "second")], acks.Select(a => (a.Rows, a.Rejected, (string)NamedMark.Names(a.Marks).Single())));
        Assert.Equal(100UL, await db.CountAsync("SELECT count() FROM calls_complete FINAL"));
        Assert.Equal(0UL, await db.CountAsync("SELECT count() FROM calls_complete WHERE id = 'call-37'"));
        Assert.Equal(1UL, await db.CountAsync(
            "SELECT count() FROM calljoin_errors WHERE reason = 'rejected_by_clickhouse:4321' AND call_id = 'call-37' AND offset = 37 " +
            "AND payload LIKE '%SOMETHING_NEW%' AND payload LIKE '%row_binary_base64%'"));
        Assert.Equal((1L, 0L), (sink.RejectedRows, sink.Retries));
        Assert.Contains("4321", Assert.Single(log.Messages(103)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bug_in_an_insert_stops_the_sink_at_once_instead_of_retrying()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_bug");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        var log = new RecordingLogger();
        var transport = new FaultyTransport(new DriverInsertTransport(db.Client, gzip: true)) { FailWith = (_, _) => Dereference(null) };
        await using var sink = new ClickHouseSink(transport, FastRetries, log: log);

        for (var i = 0; i < 10; i++)
        {
            sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
        }

        sink.AddMark(new NamedMark("never"));
        var flush = await Assert.ThrowsAsync<SinkFaultedException>(() => sink.FlushAsync(timeout.Token));
        var stopped = await Assert.ThrowsAsync<SinkFaultedException>(() => sink.Completion.WaitAsync(timeout.Token));

        Assert.IsType<NullReferenceException>(flush.InnerException);
        Assert.IsType<NullReferenceException>(stopped.InnerException);
        Assert.Equal(1, transport.Attempts);
        Assert.Equal(0, sink.Retries);
        Assert.Empty(await ClickHouseSinkTests.ReadAllAsync(sink, timeout.Token));
        Assert.Throws<SinkFaultedException>(() => sink.AddRow(rows.Build(10), 1_000, SinkTestRows.Sources(10)));
        await Assert.ThrowsAsync<SinkFaultedException>(() => sink.CompleteAsync(timeout.Token));
        Assert.Single(log.Entries, e => e.EventId == 105 && e.Level == Microsoft.Extensions.Logging.LogLevel.Critical);
        Assert.Equal(0UL, await db.CountAsync("SELECT count() FROM calls_complete"));
    }

    [Fact]
    public async Task A_table_that_does_not_exist_stops_the_sink_instead_of_moving_every_row_to_the_error_table()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_no_table");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        await using var sink = new ClickHouseSink(db.Client, FastRetries with { CallsTable = "no_such_table" });

        sink.AddRow(rows.Build(1), 1_000, SinkTestRows.Sources(1));
        var error = await Assert.ThrowsAsync<SinkFaultedException>(() => sink.FlushAsync(timeout.Token));

        Assert.Equal(60, Assert.IsType<ClickHouseServerException>(error.InnerException).ErrorCode); // UNKNOWN_TABLE
        Assert.Equal(0UL, await db.CountAsync("SELECT count() FROM calljoin_errors"));
    }

    [Fact]
    public async Task A_transient_error_is_retried_logged_once_and_the_rows_land_once()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_transient");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        var log = new RecordingLogger();
        var failures = 0;
        var transport = new FaultyTransport(new DriverInsertTransport(db.Client, gzip: true))
        {
            FailWith = (table, _) => table.EndsWith("`calls_complete`", StringComparison.Ordinal) && Interlocked.Increment(ref failures) <= 2
                ? new ClickHouseServerException("Code: 252. DB::Exception: Too many parts (3001). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)", "INSERT", 252)
                : null,
        };
        await using var sink = new ClickHouseSink(transport, FastRetries, log: log);

        for (var i = 0; i < 50; i++)
        {
            sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
        }

        await sink.CompleteAsync(timeout.Token);
        var acks = await ClickHouseSinkTests.ReadAllAsync(sink, timeout.Token);

        Assert.Equal(50, acks.Sum(a => a.Rows));
        Assert.Equal(50UL, await db.CountAsync("SELECT count() FROM calls_complete"));
        Assert.Equal(2, sink.Retries);
        Assert.False(sink.IsFailing);
        Assert.Equal(3, transport.Tokens.Distinct().Count() == 1 ? transport.Attempts : -1);
        Assert.Contains("ClickHouse code 252", Assert.Single(log.Messages(101)), StringComparison.Ordinal);
        Assert.Single(log.Messages(102));
    }

    [Fact]
    public async Task A_database_named_weave_prod_is_migrated_and_written()
    {
        var name = await clickHouse.CreateDatabaseAsync("weave-prod");
        using var timeout = new CancellationTokenSource(SafetyNet);
        using var client = new ClickHouseClient(clickHouse.ConnectionString);
        await new SchemaMigrator(client, name).MigrateAsync(ct: timeout.Token);
        var rows = new SinkTestRows();
        await using (var sink = new ClickHouseSink(client, new SinkOptions { Database = name }))
        {
            for (var i = 0; i < 10; i++)
            {
                sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
            }

            sink.AddError(new JoinError("missing_field:id", CallSide.Start, new SourcePosition(1, 5), 1_000, 2_000, default, default, "{"u8));
            await sink.CompleteAsync(timeout.Token);
        }

        var quoted = ClickHouseIdentifier.Quote(name);
        Assert.Contains('-', name);
        Assert.Equal(10UL, Count(await client.ExecuteScalarAsync($"SELECT count() FROM {quoted}.calls_complete FINAL")));
        Assert.Equal(1UL, Count(await client.ExecuteScalarAsync($"SELECT count() FROM {quoted}.calljoin_errors FINAL")));
    }

    [Fact]
    public async Task An_oversize_row_keeps_the_raw_halves_it_was_built_from()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_oversize_payload");
        using var timeout = new CancellationTokenSource(SafetyNet);
        // [1,1,…] dumps as [1, 1, …]: the row outgrows the limit while its halves still fit in an error record.
        var start = """{"project_id":"proj","id":"wide","op_name":"op","started_at":"2025-01-02T00:00:00Z"}""";
        var end = "{\"project_id\":\"proj\",\"id\":\"wide\",\"ended_at\":\"2025-01-02T00:00:01Z\",\"output\":[" + string.Join(',', Enumerable.Repeat(1, 1_000)) + "]}";
        var row = new CallRowData();
        Assert.Equal(HalfParseStatus.Ok, new CallRowBuilder().Build(System.Text.Encoding.UTF8.GetBytes(start), System.Text.Encoding.UTF8.GetBytes(end), row));
        var options = new SinkOptions { MaxRowBytes = 2_800 };
        Assert.InRange(row.TextBytes, options.MaxRowBytes + 1, long.MaxValue);
        await using (var sink = new ClickHouseSink(db.Client, options))
        {
            sink.AddRow(row, 2_000, new RowSources(new(1, 7), new(1, 8), Complete: true)
            {
                StartHalf = System.Text.Encoding.UTF8.GetBytes(start),
                EndHalf = System.Text.Encoding.UTF8.GetBytes(end),
            });
            await sink.CompleteAsync(timeout.Token);
            Assert.Equal(1, sink.RowsOverInsertLimit);
        }

        var payload = (string)(await db.Client.ExecuteScalarAsync(
            "SELECT payload FROM calljoin_errors WHERE reason = 'oversize_row' AND call_id = 'wide' AND partition = 1 AND offset = 8"))!;
        using var json = System.Text.Json.JsonDocument.Parse(payload);
        Assert.Equal(start, json.RootElement.GetProperty("start").GetRawText());
        Assert.Equal(end, json.RootElement.GetProperty("end").GetRawText());
        Assert.Equal(row.TextBytes, json.RootElement.GetProperty("row_bytes").GetInt64());
        Assert.Equal(0UL, await db.CountAsync("SELECT count() FROM calls_complete"));
    }

    [Fact]
    public void Identifiers_are_backquoted_with_backquotes_and_backslashes_escaped()
    {
        Assert.Equal("`weave-prod`", ClickHouseIdentifier.Quote("weave-prod"));
        Assert.Equal("`a\\`b\\\\c`", ClickHouseIdentifier.Quote("a`b\\c"));
        Assert.Equal("`weave-prod`.`calls_complete`", ClickHouseIdentifier.Qualified("weave-prod", "calls_complete"));
        Assert.Equal("`calls_complete`", ClickHouseIdentifier.Qualified(null, "calls_complete"));
    }

    /// <summary>Throws a genuine <see cref="NullReferenceException"/>, as a bug in the insert path would.</summary>
    internal static Exception? Dereference(string? missing) => missing!.Length >= 0 ? null : null;

    private static ulong Count(object? value) => Convert.ToUInt64(value, CultureInfo.InvariantCulture);
}
