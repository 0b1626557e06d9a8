using CallJoin.ClickHouse.Schema;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Schema;

/// <summary>Rows written through ClickHouse.Driver's binary insert come back intact, and FINAL keeps the newest version.</summary>
public sealed class CallsCompleteRoundTripTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private static readonly string[] Columns =
        ["id", "project_id", "created_at", "trace_id", "op_name", "started_at", "ended_at", "inputs_dump", "input_refs", "output_dump", "summary_dump", "output_refs", "attributes_dump", "wb_run_step", "source"];

    private MigratedDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await MigratedDatabase.CreateAsync(clickHouse, "rt");

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_row_round_trips_with_microsecond_timestamps_arrays_and_the_calljoin_source()
    {
        var started = new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234560); // .123456
        var ended = started.AddTicks(9_876_540); // +0.987654 s
        await InsertAsync(Row("call-1", started, ended, createdAt: DateTime.UtcNow, refs: ["weave:///e/p/object/o:d"], output: "{\"ok\":true}"));

        using var reader = await _db.Client.ExecuteReaderAsync(
            "SELECT started_at, ended_at, toString(started_at), input_refs, output_dump, source, wb_run_step, parent_id, deleted_at, expire_at FROM calls_complete WHERE id = 'call-1'");
        Assert.True(reader.Read());
        Assert.Equal(started, reader.GetDateTime(0));
        Assert.Equal(ended, reader.GetDateTime(1));
        Assert.Equal("2025-01-02 03:04:05.123456", reader.GetString(2));
        Assert.Equal(["weave:///e/p/object/o:d"], (string[])reader.GetValue(3));
        Assert.Equal("{\"ok\":true}", reader.GetString(4));
        Assert.Equal("calljoin", reader.GetString(5));
        Assert.Equal(7UL, Convert.ToUInt64(reader.GetValue(6), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("", reader.GetString(7)); // sentinel default
        Assert.Equal(DateTime.UnixEpoch, reader.GetDateTime(8));
        Assert.Equal(new DateTime(2100, 1, 1, 0, 0, 0, DateTimeKind.Utc), reader.GetDateTime(9));
        Assert.False(reader.Read());
    }

    [Fact]
    public async Task Final_collapses_a_running_row_and_its_later_complete_row_into_the_complete_one()
    {
        var started = new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1);
        var first = new DateTime(2025, 3, 4, 5, 11, 7, DateTimeKind.Utc);
        // Keep both parts unmerged so the plain count shows two versions and only FINAL collapses them.
        await _db.Client.ExecuteNonQueryAsync("SYSTEM STOP MERGES calls_complete");
        // A running row (ended_at sentinel) and, in a separate insert (so a separate part), the complete row.
        await InsertAsync(Row("call-2", started, DateTime.UnixEpoch, createdAt: first, refs: [], output: "null"));
        await InsertAsync(Row("call-2", started, started.AddSeconds(1), createdAt: first.AddSeconds(30), refs: [], output: "42"));

        var plain = await ScalarAsync("SELECT count() FROM calls_complete WHERE id = 'call-2'");
        var final = await ScalarAsync("SELECT count() FROM calls_complete FINAL WHERE id = 'call-2'");
        var output = await ScalarAsync("SELECT output_dump FROM calls_complete FINAL WHERE id = 'call-2'");
        Assert.Equal("2", plain);
        Assert.Equal("1", final);
        Assert.Equal("42", output);
    }

    private async Task InsertAsync(object[] row)
    {
        var types = CallsCompleteTable.Columns.Where(c => Columns.Contains(c.Name)).ToDictionary(c => c.Name, c => c.Type);
        var written = await _db.Client.InsertBinaryAsync(CallsCompleteTable.Name, Columns, [row], new InsertOptions { ColumnTypes = types });
        Assert.Equal(1, written);
    }

    private async Task<string> ScalarAsync(string sql)
    {
        var value = await _db.Client.ExecuteScalarAsync(sql);
        return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }

    private static object[] Row(string id, DateTime started, DateTime ended, DateTime createdAt, string[] refs, string output) =>
    [
        id, "proj-1", createdAt, "trace-1", "weave:///e/p/op/predict:abc", started, ended, "{\"x\":1}", refs, output, "{}", Array.Empty<string>(), "{}", 7UL, "calljoin",
    ];
}
