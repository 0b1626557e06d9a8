using System.Text;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Testing;
using ClickHouse.Driver;
using Microsoft.Extensions.Time.Testing;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>The sink against the embedded ClickHouse: exact counts, in-order acks, retries that cannot duplicate, refused rows isolated.</summary>
public sealed class ClickHouseSinkTests(ClickHouseFixture clickHouse)
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_million_rows_land_exactly_once_and_every_checkpoint_is_acknowledged_in_order()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_bulk");
        using var timeout = new CancellationTokenSource(SafetyNet);
        const int total = 1_000_000;
        var rows = new SinkTestRows();
        await using var sink = new ClickHouseSink(db.Client, new SinkOptions());

        for (var i = 0; i < total; i++)
        {
            sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
            if ((i + 1) % 10_000 == 0)
            {
                sink.AddMark(new NamedMark((long)(i + 1)));
                await sink.WaitForCapacityAsync(timeout.Token);
            }
        }

        await sink.CompleteAsync(timeout.Token);
        var acks = await ReadAllAsync(sink, timeout.Token);

        Assert.Equal(Enumerable.Range(0, acks.Count).Select(i => (long)i), acks.Select(a => a.Sequence));
        Assert.Equal(total, acks.Sum(a => a.Rows));
        Assert.Equal(Enumerable.Range(1, total / 10_000).Select(i => (object)(i * 10_000L)), acks.SelectMany(a => NamedMark.Names(a.Marks)));
        Assert.Equal(0, sink.BufferedBytes);
        Assert.Equal((ulong)total, await db.CountAsync("SELECT count() FROM calls_complete"));
        Assert.Equal((ulong)total, await db.CountAsync("SELECT count() FROM calls_complete FINAL"));
        Assert.Equal((ulong)total, await db.CountAsync("SELECT uniqExact(id) FROM calls_complete"));
    }

    [Fact]
    public async Task Every_column_is_written_with_the_rows_values_and_the_tables_sentinels()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_columns");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        await using (var sink = new ClickHouseSink(db.Client, new SinkOptions { Gzip = false }))
        {
            sink.AddRow(rows.Build(12), 1_735_787_045_123, SinkTestRows.Sources(12));
            var running = new CallRowData();
            Assert.Equal(HalfParseStatus.Ok, new CallRowBuilder().Build(
                """{"project_id":"proj","id":"running-1","op_name":"op","started_at":"2025-01-02T03:04:05.000007Z"}"""u8, default, running));
            sink.AddRow(running, 5, new RowSources(new SourcePosition(3, 9), default, Complete: false));
            await sink.CompleteAsync(timeout.Token);
        }

        using var reader = await db.Client.ExecuteReaderAsync(
            "SELECT id, project_id, toString(created_at), trace_id, op_name, toString(started_at), toString(ended_at), updated_at, deleted_at, " +
            "inputs_dump, input_refs, output_dump, summary_dump, output_refs, attributes_dump, toString(expire_at), source, parent_id " +
            "FROM calls_complete ORDER BY id");
        Assert.True(reader.Read());
        Assert.Equal("call-12", reader.GetString(0));
        Assert.Equal("proj", reader.GetString(1));
        Assert.Equal("2025-01-02 03:04:05.123", reader.GetString(2));
        Assert.Equal("trace-1", reader.GetString(3));
        Assert.Equal("op", reader.GetString(4));
        Assert.Equal("2025-01-02 00:00:00.012000", reader.GetString(5));
        Assert.Equal("2025-01-03 00:00:00.000000", reader.GetString(6));
        Assert.Equal(DateTime.UnixEpoch, reader.GetDateTime(7));
        Assert.Equal(DateTime.UnixEpoch, reader.GetDateTime(8));
        Assert.Equal("""{"x": 12, "ref": "weave-trace-internal:///proj/object/Model:v5"}""", reader.GetString(9));
        Assert.Equal(["weave-trace-internal:///proj/object/Model:v5"], (string[])reader.GetValue(10));
        Assert.Equal("12", reader.GetString(11));
        Assert.Equal("""{"ok": true}""", reader.GetString(12));
        Assert.Empty((string[])reader.GetValue(13));
        Assert.Equal("""{"n": 12}""", reader.GetString(14));
        Assert.Equal("2100-01-01 00:00:00", reader.GetString(15));
        Assert.Equal("calljoin", reader.GetString(16));
        Assert.Equal("", reader.GetString(17));

        Assert.True(reader.Read());
        Assert.Equal("running-1", reader.GetString(0));
        Assert.Equal("2025-01-02 03:04:05.000007", reader.GetString(5));
        Assert.Equal("1970-01-01 00:00:00.000000", reader.GetString(6));
        Assert.Equal("null", reader.GetString(11));
        Assert.False(reader.Read());
    }

    [Fact]
    public async Task An_insert_whose_response_is_lost_is_retried_with_its_token_and_lands_once()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_retry");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        var transport = new FaultyTransport(new DriverInsertTransport(db.Client, gzip: true)) { LostAcks = 3 };
        var options = new SinkOptions { MaxBatchRows = 1_000, MaxParallelInserts = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryMaxDelay = TimeSpan.FromMilliseconds(5) };
        await using var sink = new ClickHouseSink(transport, options, jitter: new Random(42));

        for (var i = 0; i < 5_000; i++)
        {
            sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
        }

        await sink.CompleteAsync(timeout.Token);
        var acks = await ReadAllAsync(sink, timeout.Token);

        Assert.Equal(3, sink.Retries);
        Assert.IsType<TimeoutException>(sink.LastTransientError);
        // Each lost response was followed by the same insert under the same token (the first batch, four times)...
        Assert.Equal(5 + 3, transport.Tokens.Count);
        Assert.Equal([4, 1, 1, 1, 1], transport.Tokens.GroupBy(t => t).Select(g => g.Count()));
        // ...which ClickHouse dropped: a plain count (no FINAL, no merge) sees every row once.
        Assert.Equal(5_000UL, await db.CountAsync("SELECT count() FROM calls_complete"));
        Assert.Equal(5_000, acks.Sum(a => a.Rows));
    }

    [Fact]
    public async Task A_row_clickhouse_refuses_goes_to_the_error_table_and_the_rest_of_its_batch_lands()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_reject");
        using var timeout = new CancellationTokenSource(SafetyNet);
        await db.Client.ExecuteNonQueryAsync("ALTER TABLE calls_complete ADD CONSTRAINT no_poison CHECK op_name != 'poison'");
        int[] poisoned = [17, 500, 999];
        var rows = new SinkTestRows();
        await using var sink = new ClickHouseSink(db.Client, new SinkOptions());

        for (var i = 0; i < 1_000; i++)
        {
            sink.AddRow(rows.Build(i, poisoned.Contains(i) ? "poison" : "op"), 1_000 + i, SinkTestRows.Sources(i));
        }

        await sink.CompleteAsync(timeout.Token);
        var acks = await ReadAllAsync(sink, timeout.Token);

        Assert.Equal(997UL, await db.CountAsync("SELECT count() FROM calls_complete"));
        Assert.Equal(0UL, await db.CountAsync("SELECT count() FROM calls_complete WHERE op_name = 'poison'"));
        Assert.Equal(3, acks.Sum(a => a.Rejected));
        Assert.Equal(997, acks.Sum(a => a.Rows));
        Assert.Equal(3, sink.RejectedRows);

        using var reader = await db.Client.ExecuteReaderAsync(
            "SELECT reason, call_id, project_id, topic, partition, offset, toUnixTimestamp64Milli(first_seen), payload FROM calljoin_errors ORDER BY offset");
        foreach (var i in poisoned)
        {
            Assert.True(reader.Read());
            Assert.Equal("rejected_by_clickhouse:469", reader.GetString(0));
            Assert.Equal($"call-{i}", reader.GetString(1));
            Assert.Equal("proj", reader.GetString(2));
            Assert.Equal("weave.call_ended", reader.GetString(3));
            Assert.Equal(0, Convert.ToInt32(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal((long)i, Convert.ToInt64(reader.GetValue(5), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(1_000L + i, Convert.ToInt64(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains("VIOLATED_CONSTRAINT", reader.GetString(7), StringComparison.Ordinal);
        }

        Assert.False(reader.Read());
    }

    [Fact]
    public async Task A_row_above_the_row_size_limit_goes_to_the_error_table_as_oversize()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_oversize");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        await using var sink = new ClickHouseSink(db.Client, new SinkOptions { MaxRowBytes = 2_000 });
        for (var i = 0; i < 9; i++)
        {
            sink.AddRow(rows.Build(i), 1_000 + i, SinkTestRows.Sources(i));
        }

        var big = new CallRowData();
        var output = new string('x', 5_000);
        Assert.Equal(HalfParseStatus.Ok, new CallRowBuilder().Build(
            Encoding.UTF8.GetBytes("""{"project_id":"proj","id":"huge","op_name":"op","started_at":"2025-01-02T00:00:00Z"}"""),
            Encoding.UTF8.GetBytes("""{"project_id":"proj","id":"huge","ended_at":"2025-01-02T00:00:01Z","output":"OUTPUT","summary":{}}""".Replace("OUTPUT", output, StringComparison.Ordinal)),
            big));
        sink.AddRow(big, 2_000, new RowSources(new SourcePosition(1, 7), new SourcePosition(1, 8), Complete: true));
        await sink.CompleteAsync(timeout.Token);
        var acks = await ReadAllAsync(sink, timeout.Token);

        Assert.Equal(9UL, await db.CountAsync("SELECT count() FROM calls_complete"));
        Assert.Equal(0UL, await db.CountAsync("SELECT count() FROM calls_complete WHERE id = 'huge'"));
        Assert.Equal(1UL, await db.CountAsync("SELECT count() FROM calljoin_errors WHERE reason = 'oversize_row' AND call_id = 'huge' AND partition = 1 AND offset = 8"));
        Assert.Equal(1, sink.RowsOverInsertLimit);
        Assert.Equal((9, 1), (acks.Sum(a => a.Rows), acks.Sum(a => a.Errors)));
    }

    [Fact]
    public async Task Join_error_records_land_in_the_error_table()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_errors");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 1, 2, 3, 456, TimeSpan.Zero));
        await using (var sink = new ClickHouseSink(db.Client, new SinkOptions(), time))
        {
            sink.AddError(new JoinError(JoinErrorReason.StartMissing, CallSide.End, new SourcePosition(2, 77), 1_735_787_045_123, 1_735_787_345_000,
                "proj"u8, "call-x"u8, """{"id":"call-x"}"""u8));
            sink.AddError(new JoinError("missing_field:id", CallSide.Start, new SourcePosition(1, 5), 1_000, 2_000, default, default, "{not json"u8));
            await sink.CompleteAsync(timeout.Token);
            var acks = await ReadAllAsync(sink, timeout.Token);
            Assert.Equal(2, acks.Sum(a => a.Errors));
        }

        using var reader = await db.Client.ExecuteReaderAsync(
            "SELECT reason, payload, topic, partition, offset, project_id, call_id, toUnixTimestamp64Milli(first_seen), toUnixTimestamp64Milli(created_at) " +
            "FROM calljoin_errors ORDER BY topic");
        Assert.True(reader.Read());
        Assert.Equal(["start_missing", """{"id":"call-x"}""", "weave.call_ended", "2", "77", "proj", "call-x", "1735787045123", "1795827723456"], Values(reader));
        Assert.True(reader.Read());
        Assert.Equal(["missing_field:id", "{not json", "weave.call_started", "1", "5", "", "", "1000", "1795827723456"], Values(reader));
        Assert.False(reader.Read());
    }

    [Fact]
    public async Task An_open_batch_is_sent_when_its_time_is_up()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_time");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var time = new FakeTimeProvider();
        var rows = new SinkTestRows();
        await using var sink = new ClickHouseSink(db.Client, new SinkOptions(), time);

        for (var i = 0; i < 3; i++)
        {
            sink.AddRow(rows.Build(i), 1_000, SinkTestRows.Sources(i));
        }

        sink.AddMark(new NamedMark("three"));
        Assert.True(sink.BufferedBytes > 0); // neither size limit is near: the batch is open until the clock says so
        time.Advance(TimeSpan.FromSeconds(1));
        var ack = await sink.Acks.ReadAsync(timeout.Token);

        Assert.Equal(3, ack.Rows);
        Assert.Equal(["three"], NamedMark.Names(ack.Marks));
        Assert.Equal(3UL, await db.CountAsync("SELECT count() FROM calls_complete"));
    }

    [Fact]
    public async Task A_checkpoint_with_nothing_new_before_it_is_acknowledged_after_the_rows_before_it()
    {
        using var db = await MigratedDatabase.CreateAsync(clickHouse, "sink_checkpoint");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var rows = new SinkTestRows();
        await using var sink = new ClickHouseSink(db.Client, new SinkOptions());

        sink.AddRow(rows.Build(1), 1_000, SinkTestRows.Sources(1));
        sink.AddMark(new NamedMark("after-row"));
        await sink.FlushAsync(timeout.Token);
        sink.AddMark(new NamedMark("alone"));
        await sink.FlushAsync(timeout.Token);
        await sink.CompleteAsync(timeout.Token);
        var acks = await ReadAllAsync(sink, timeout.Token);

        Assert.Equal([(1, "after-row"), (0, "alone")], acks.Select(a => (a.Rows, (string)NamedMark.Names(a.Marks).Single())));
        Assert.Equal(1UL, await db.CountAsync("SELECT count() FROM calls_complete"));
    }

    [Fact]
    public void The_error_encoder_writes_the_error_tables_columns_in_order()
    {
        Assert.Equal(CallJoinErrorsTable.Columns.Select(c => c.Name), ErrorRecordEncoder.ColumnNames);
        Assert.Equal(CallsCompleteTable.Columns.Select(c => c.Name), CallRowEncoder.ColumnNames);
    }

    [Fact]
    public void Failures_are_transient_refused_or_fatal()
    {
        var options = new SinkOptions();
        static ClickHouseServerException Server(int code, string text) => new($"Code: {code}. DB::Exception: {text}", "INSERT", code);

        Assert.Equal(InsertFailureKind.Transient, ClickHouseSink.Classify(new HttpRequestException("refused"), options));
        Assert.Equal(InsertFailureKind.Transient, ClickHouseSink.Classify(new IOException("reset"), options));
        Assert.Equal(InsertFailureKind.Transient, ClickHouseSink.Classify(new TimeoutException(), options));
        Assert.Equal(InsertFailureKind.Transient, ClickHouseSink.Classify(new TaskCanceledException(), options));
        Assert.Equal(InsertFailureKind.Transient, ClickHouseSink.Classify(Server(252, "Too many parts (3000). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)"), options));
        Assert.Equal(InsertFailureKind.Transient, ClickHouseSink.Classify(Server(241, "Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED)"), options));
        Assert.Equal(InsertFailureKind.Transient, ClickHouseSink.Classify(ClickHouseServerException.FromServerResponse("<html>502 Bad Gateway</html>", "INSERT"), options));
        Assert.Equal(InsertFailureKind.Refused, ClickHouseSink.Classify(
            ClickHouseServerException.FromServerResponse("<html><head><title>413 Request Entity Too Large</title></head></html>", "INSERT"), options));
        Assert.Equal(InsertFailureKind.Refused, ClickHouseSink.Classify(Server(252, "Too many partitions for single INSERT block (more than 100). (TOO_MANY_PARTS)"), options));
        Assert.Equal(InsertFailureKind.Refused, ClickHouseSink.Classify(Server(469, "Constraint `c` is violated. (VIOLATED_CONSTRAINT)"), options));
        Assert.Equal(InsertFailureKind.Refused, ClickHouseSink.Classify(Server(4321, "A code nobody knows. (SOMETHING_NEW)"), options));
        Assert.Equal(InsertFailureKind.Fatal, ClickHouseSink.Classify(Server(60, "Table db.calls_complete does not exist. (UNKNOWN_TABLE)"), options));
        Assert.Equal(InsertFailureKind.Fatal, ClickHouseSink.Classify(Server(516, "default: Authentication failed. (AUTHENTICATION_FAILED)"), options));
        Assert.Equal(InsertFailureKind.Fatal, ClickHouseSink.Classify(Assert.Throws<NullReferenceException>(() => SinkBadBatchTests.Dereference(null)), options));
        Assert.Equal(InsertFailureKind.Fatal, ClickHouseSink.Classify(new InvalidOperationException(), options));
    }

    internal static async Task<List<SinkAck>> ReadAllAsync(ClickHouseSink sink, CancellationToken ct)
    {
        var acks = new List<SinkAck>();
        await foreach (var ack in sink.Acks.ReadAllAsync(ct))
        {
            acks.Add(ack);
        }

        return acks;
    }

    private static string[] Values(global::ClickHouse.Driver.ADO.Readers.ClickHouseDataReader record) =>
        [.. Enumerable.Range(0, record.FieldCount).Select(i => Convert.ToString(record.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) ?? "")];
}
