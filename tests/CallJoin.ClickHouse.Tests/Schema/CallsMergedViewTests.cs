using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Schema;

/// <summary>
/// <c>calls_merged_view</c> folds the start and end halves written to <c>call_parts</c> into one <c>calls_merged</c>
/// call, read the way upstream reads it (GROUP BY with <c>any</c> / <c>argMaxMerge</c>).
/// </summary>
public sealed class CallsMergedViewTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private MigratedDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await MigratedDatabase.CreateAsync(clickHouse, "merged");

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_start_and_an_end_written_separately_read_back_as_one_call()
    {
        // Two inserts, so two parts in calls_merged until a merge: the read must combine them itself.
        await _db.Client.ExecuteNonQueryAsync("SYSTEM STOP MERGES calls_merged");
        await _db.Client.ExecuteNonQueryAsync(
            "INSERT INTO call_parts (id, project_id, trace_id, op_name, started_at, attributes_dump, inputs_dump, input_refs, output_refs, wb_user_id, display_name, created_at) " +
            "VALUES ('c1', 'p1', 't1', 'weave:///e/p/op/f:abc', '2025-01-02 03:04:05.123456', '{}', '{\"x\":1}', ['weave:///e/p/object/in:1'], [], 'user-start', 'first name', '2025-01-02 03:04:05.200')");
        await _db.Client.ExecuteNonQueryAsync(
            "INSERT INTO call_parts (id, project_id, ended_at, output_dump, summary_dump, exception, input_refs, output_refs, wb_user_id, display_name, created_at) " +
            "VALUES ('c1', 'p1', '2025-01-02 03:04:06.654321', '42', '{}', NULL, [], ['weave:///e/p/object/out:2'], 'user-end', 'renamed', '2025-01-02 03:04:06.700')");

        Assert.Equal(2UL, await _db.CountAsync("SELECT count() FROM calls_merged"));

        using var reader = await _db.Client.ExecuteReaderAsync(
            """
            SELECT toString(any(started_at)), toString(any(ended_at)), any(op_name), any(inputs_dump), any(output_dump),
                   any(wb_user_id), argMaxMerge(display_name), arraySort(array_concat_agg(input_refs)), arraySort(array_concat_agg(output_refs)),
                   toString(min(sortable_datetime))
            FROM calls_merged
            GROUP BY project_id, id
            HAVING any(deleted_at) IS NULL AND NOT any(started_at) IS NULL
            """);
        Assert.True(reader.Read());
        Assert.Equal("2025-01-02 03:04:05.123456", reader.GetString(0));
        Assert.Equal("2025-01-02 03:04:06.654321", reader.GetString(1));
        Assert.Equal("weave:///e/p/op/f:abc", reader.GetString(2));
        Assert.Equal("{\"x\":1}", reader.GetString(3));
        Assert.Equal("42", reader.GetString(4));
        Assert.Equal("user-start", reader.GetString(5)); // taken from the start half only
        Assert.Equal("renamed", reader.GetString(6)); // newest by created_at
        Assert.Equal(["weave:///e/p/object/in:1"], (string[])reader.GetValue(7));
        Assert.Equal(["weave:///e/p/object/out:2"], (string[])reader.GetValue(8));
        Assert.Equal("2025-01-02 03:04:05.123456", reader.GetString(9)); // the start's own row sorts by started_at
        Assert.False(reader.Read());
    }
}
