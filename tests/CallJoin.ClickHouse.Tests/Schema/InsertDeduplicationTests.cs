using System.Globalization;
using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Schema;

/// <summary>
/// With the migrated deduplication window, an insert retried with the same <c>insert_deduplication_token</c> (as the
/// sink does after a timeout whose outcome it cannot know) is stored once; a different token is a different block.
/// </summary>
public sealed class InsertDeduplicationTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private static readonly string[] CallColumns =
        ["id", "project_id", "trace_id", "op_name", "started_at", "ended_at", "inputs_dump", "input_refs", "output_dump", "summary_dump", "output_refs", "attributes_dump", "source"];

    private static readonly string[] ErrorColumns = ["reason", "payload", "topic", "partition", "offset", "first_seen"];

    private MigratedDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await MigratedDatabase.CreateAsync(clickHouse, "dedup");

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_calls_complete_block_retried_with_the_same_token_lands_once()
    {
        var rows = CallRows(100);

        await InsertCallsAsync(rows, "batch-1");
        await InsertCallsAsync(rows, "batch-1");

        Assert.Equal(100UL, await _db.CountAsync("SELECT count() FROM calls_complete"));
        Assert.Equal(100UL, await _db.CountAsync("SELECT uniqExact(id) FROM calls_complete"));
    }

    [Fact]
    public async Task The_same_rows_under_another_token_are_another_block()
    {
        var rows = CallRows(10);

        await InsertCallsAsync(rows, "batch-a");
        await InsertCallsAsync(rows, "batch-b");

        Assert.Equal(20UL, await _db.CountAsync("SELECT count() FROM calls_complete"));
    }

    [Fact]
    public async Task Without_the_window_step_the_same_retry_is_stored_twice()
    {
        // Why step 5 exists: a non-replicated MergeTree ignores insert_deduplication_token by default.
        var db = await clickHouse.CreateDatabaseAsync("nodedup");
        using var client = new ClickHouseClient(clickHouse.ConnectionStringFor(db));
        var window = CallJoinMigrations.All.Single(m => m.Name == "insert deduplication window").Version;
        await new SchemaMigrator(client, db).MigrateAsync([.. CallJoinMigrations.All.Where(m => m.Version < window)]);
        var types = CallsCompleteTable.Columns.Where(c => CallColumns.Contains(c.Name)).ToDictionary(c => c.Name, c => c.Type);
        var rows = CallRows(10);

        await client.InsertBinaryAsync(CallsCompleteTable.Name, CallColumns, rows, Options(types, "batch-1"));
        await client.InsertBinaryAsync(CallsCompleteTable.Name, CallColumns, rows, Options(types, "batch-1"));

        Assert.Equal(20UL, Convert.ToUInt64(await client.ExecuteScalarAsync("SELECT count() FROM calls_complete"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task An_error_block_retried_with_the_same_token_lands_once()
    {
        var seen = new DateTime(2025, 5, 6, 7, 8, 9, 123, DateTimeKind.Utc);
        object[][] rows = [.. Enumerable.Range(0, 5).Select(i => new object[] { "unparseable", "{not json", "weave.call_started", 3, 1000L + i, seen })];
        var types = CallJoinErrorsTable.Columns.Where(c => ErrorColumns.Contains(c.Name)).ToDictionary(c => c.Name, c => c.Type);

        for (var attempt = 0; attempt < 3; attempt++)
        {
            await _db.Client.InsertBinaryAsync(CallJoinErrorsTable.Name, ErrorColumns, rows, Options(types, "errors-1"));
        }

        // A plain count (not FINAL): the retries were dropped at insert time, not collapsed by a later merge.
        Assert.Equal(5UL, await _db.CountAsync("SELECT count() FROM calljoin_errors"));
    }

    private async Task InsertCallsAsync(object[][] rows, string token)
    {
        var types = CallsCompleteTable.Columns.Where(c => CallColumns.Contains(c.Name)).ToDictionary(c => c.Name, c => c.Type);
        await _db.Client.InsertBinaryAsync(CallsCompleteTable.Name, CallColumns, rows, Options(types, token));
    }

    private static InsertOptions Options(Dictionary<string, string> types, string token) => new()
    {
        ColumnTypes = types,
        CustomSettings = new Dictionary<string, object> { ["insert_deduplication_token"] = token },
    };

    private static object[][] CallRows(int count)
    {
        var started = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        return
        [
            .. Enumerable.Range(0, count).Select(i => new object[]
            {
                $"call-{i}", "proj-1", "trace-1", "op", started.AddSeconds(i), started.AddSeconds(i + 1), "{}", Array.Empty<string>(), "null", "{}",
                Array.Empty<string>(), "{}", "calljoin",
            }),
        ];
    }
}
