using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Replay.Jsonl;
using CallJoin.Testing;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>
/// The JSONL lines against the real thing: the same rows and records sent through the ClickHouse sink into a migrated
/// database, read back with <c>FORMAT JSONEachRow</c>, must come back byte for byte as our lines.
/// </summary>
public sealed class JsonlClickHouseEquivalenceTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(3);

    private readonly List<byte[]> _ours = [];
    private ClickHouseJsonEachRow? _db;

    private ClickHouseJsonEachRow Db => _db ?? throw new InvalidOperationException("not initialized");

    public async ValueTask InitializeAsync()
    {
        _db = await ClickHouseJsonEachRow.CreateAsync(clickHouse, "jsonl");
        using var timeout = new CancellationTokenSource(SafetyNet);
        var clock = new ManualClock();
        using var stream = new MemoryStream();
        await using (var sink = new ClickHouseSink(_db.Client, new SinkOptions { MaxRowBytes = JsonlTestCases.MaxRowBytes }, clock))
        using (var jsonl = new JsonlJoinOutput(stream, JsonlTestCases.StartTopic, JsonlTestCases.EndTopic, leaveOpen: true) { MaxRowBytes = JsonlTestCases.MaxRowBytes })
        {
            var row = new CallRowData();
            foreach (var call in JsonlTestCases.Calls)
            {
                call.Build(row);
                clock.UnixMillis = call.CreatedAtMillis; // the sink stamps an oversize_row record's created_at with its clock
                sink.AddRow(row, call.CreatedAtMillis, call.RowSources());
                jsonl.OnRow(row, call.CreatedAtMillis, call.RowSources());
            }

            foreach (var error in JsonlTestCases.Errors)
            {
                clock.UnixMillis = error.AtMillis; // the live sink stamps its clock; the JSONL output the error's stream time
                sink.AddError(error.ToJoinError());
                jsonl.OnError(error.ToJoinError());
            }

            await sink.CompleteAsync(timeout.Token);
            Assert.Equal(1, sink.RowsOverInsertLimit);
        }

        _ours.AddRange(JsonlLines.Split(stream.ToArray()));
    }

    public ValueTask DisposeAsync()
    {
        _db?.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Row_lines_are_the_lines_clickhouse_prints_for_select_star_in_json_each_row()
    {
        var ours = JsonlLines.OrderedBy(JsonlLines.Rows(_ours), e => e.GetProperty("id").GetString()!);
        var valid = await Db.QueryLinesAsync("SELECT * FROM calls_complete ORDER BY id FORMAT JSONEachRow", validateUtf8: true);
        var raw = await Db.QueryLinesAsync("SELECT * FROM calls_complete ORDER BY id FORMAT JSONEachRow", validateUtf8: false);

        Assert.Equal(JsonlTestCases.Calls.Count - 1, ours.Count); // row-10 went to the error table in both
        Assert.Equal(ours.Count, valid.Count);
        Assert.Equal(ours.Count, raw.Count);
        for (var i = 0; i < ours.Count; i++)
        {
            Assert.Equal(Text(valid[i]), Text(ours[i]));
            if (Utf8.IsValid(raw[i]))
            {
                // Default settings, byte for byte.
                Assert.Equal(raw[i], ours[i]);
            }
            else
            {
                // Only the lone-surrogate row: ClickHouse copies the WTF-8 bytes raw by default; we print U+FFFD.
                Assert.Contains("\"id\":\"row-08\"", Encoding.UTF8.GetString(raw[i]), StringComparison.Ordinal);
                Assert.Contains("lone \uFFFD here", Text(ours[i]), StringComparison.Ordinal);
            }
        }

        Assert.Equal(ours.Count - 1, raw.Count(l => Utf8.IsValid(l)));
    }

    [Fact]
    public async Task Error_lines_are_the_lines_clickhouse_prints_for_the_error_table_with_created_at_from_stream_time()
    {
        var ours = JsonlLines.OrderedBy(JsonlLines.Errors(_ours), e => e.GetProperty("offset").GetInt64().ToString("D20", System.Globalization.CultureInfo.InvariantCulture));
        var valid = await Db.QueryLinesAsync("SELECT * FROM calljoin_errors ORDER BY offset FORMAT JSONEachRow", validateUtf8: true);
        var raw = await Db.QueryLinesAsync("SELECT * FROM calljoin_errors ORDER BY offset FORMAT JSONEachRow", validateUtf8: false);

        Assert.Equal(JsonlTestCases.Errors.Count + 1, ours.Count);
        Assert.Equal(ours.Select(Text), valid.Select(Text));
        // With default settings only the record with invalid UTF-8 differs (ClickHouse copies the bytes raw).
        var differing = ours.Zip(raw).Where(p => !p.First.AsSpan().SequenceEqual(p.Second)).ToList();
        var single = Assert.Single(differing);
        Assert.False(Utf8.IsValid(single.Second));
        Assert.Contains("\"reason\":\"malformed_json\"", Text(single.First), StringComparison.Ordinal);
        Assert.Contains("\"reason\":\"oversize_row\"", string.Join('\n', ours.Select(Text)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tables_have_exactly_the_columns_the_lines_carry()
    {
        var rowKeys = await Db.QueryLinesAsync("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'calls_complete' ORDER BY position FORMAT JSONEachRow", validateUtf8: false);
        var errorKeys = await Db.QueryLinesAsync("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'calljoin_errors' ORDER BY position FORMAT JSONEachRow", validateUtf8: false);

        Assert.Equal(rowKeys.Select(Name), JsonlLines.Keys(JsonlLines.Rows(_ours)[0]));
        Assert.Equal(errorKeys.Select(Name), JsonlLines.Keys(JsonlLines.Errors(_ours)[0]));
        Assert.Equal(CallsCompleteTable.Columns.Select(c => c.Name), JsonlLines.Keys(JsonlLines.Rows(_ours)[0]));
    }

    private static string? Name(byte[] line)
    {
        using var document = JsonDocument.Parse(line);
        return document.RootElement.GetProperty("name").GetString();
    }

    private static string Text(byte[] line) => Encoding.UTF8.GetString(line);
}
