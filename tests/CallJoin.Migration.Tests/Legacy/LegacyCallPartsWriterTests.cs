using System.Globalization;
using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Testing;
using CallJoin.Workload;
using CallJoin.Workload.Legacy;
using ClickHouse.Driver;

namespace CallJoin.Migration.Tests.Legacy;

/// <summary>
/// <see cref="LegacyCallPartsWriter"/> stores halves in call_parts as the old trace server did, and calls_merged_view
/// folds them into one calls_merged call per id, read with upstream's GROUP BY.
/// </summary>
public sealed class LegacyCallPartsWriterTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private MigratedDatabase _db = null!;

    public async ValueTask InitializeAsync() => _db = await MigratedDatabase.CreateAsync(clickHouse, "legacy");

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task A_workload_becomes_two_parts_per_call_and_folds_into_one_merged_call_per_id()
    {
        var workload = new WeaveWorkload(new WorkloadOptions { Calls = 1500, Projects = 3, Span = TimeSpan.FromDays(2), Seed = 7 });
        var expected = workload.Expected;

        var result = await new LegacyCallPartsWriter(_db.Client, _db.Name, rowsPerInsert: 400).WriteAsync(workload.Events(), TestContext.Current.CancellationToken);

        Assert.Equal(expected.Malformed, result.Refused);
        Assert.Equal(expected.Starts + expected.Ends - expected.Malformed, result.Parts);
        Assert.True(result.Inserts > 1, $"expected several bulk inserts, got {result.Inserts}");
        Assert.Equal((ulong)result.Parts, await _db.CountAsync("SELECT count() FROM call_parts"));

        using var reader = await _db.Client.ExecuteReaderAsync(
            """
            SELECT countIf(s AND e), countIf(s AND NOT e), countIf(e AND NOT s), count()
            FROM (SELECT isNotNull(any(started_at)) AS s, isNotNull(any(ended_at)) AS e FROM calls_merged GROUP BY project_id, id)
            """);
        Assert.True(reader.Read());
        Assert.Equal((ulong)expected.CompleteRows, Convert.ToUInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
        Assert.Equal((ulong)expected.RunningOnlyRows, Convert.ToUInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
        Assert.Equal((ulong)(expected.Calls - expected.CompleteRows - expected.RunningOnlyRows), Convert.ToUInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
        Assert.Equal((ulong)expected.Calls, Convert.ToUInt64(reader.GetValue(3), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_parts_carry_each_halfs_columns_with_python_dumps_and_nulls_for_the_other_half()
    {
        var start = """{"project_id":"p1","id":"c1","op_name":"weave:///e/p/op/f:1","trace_id":"t1","started_at":"2025-01-02T03:04:05.123456Z","attributes":{"b":1,"a":[1.5,"é"]},"inputs":{"x":"weave-trace-internal:///p1/object/o:2"},"wb_user_id":"u1","display_name":"nice"}""";
        var end = """{"project_id":"p1","id":"c1","ended_at":"2025-01-02T03:04:06.5Z","output":{"y":null},"summary":{"usage":{}},"exception":"boom"}""";

        var result = await new LegacyCallPartsWriter(_db.Client, _db.Name).WriteAsync(
            [(CallSide.Start, Encoding.UTF8.GetBytes(start)), (CallSide.End, Encoding.UTF8.GetBytes(end)), (CallSide.End, "{"u8.ToArray())],
            TestContext.Current.CancellationToken);
        Assert.Equal(new LegacyWriteResult(1, 1, 1, 1), result);

        using var reader = await _db.Client.ExecuteReaderAsync(
            """
            SELECT toString(started_at), attributes_dump, inputs_dump, input_refs, ended_at IS NULL, output_dump IS NULL, parent_id IS NULL, display_name
            FROM call_parts WHERE started_at IS NOT NULL
            """);
        Assert.True(reader.Read());
        Assert.Equal("2025-01-02 03:04:05.123456", reader.GetString(0));
        Assert.Equal("{\"b\": 1, \"a\": [1.5, \"\\u00e9\"]}", reader.GetString(1));
        Assert.Equal("{\"x\": \"weave-trace-internal:///p1/object/o:2\"}", reader.GetString(2));
        Assert.Equal(["weave-trace-internal:///p1/object/o:2"], (string[])reader.GetValue(3));
        Assert.True(Convert.ToBoolean(reader.GetValue(4), CultureInfo.InvariantCulture));
        Assert.True(Convert.ToBoolean(reader.GetValue(5), CultureInfo.InvariantCulture));
        Assert.True(Convert.ToBoolean(reader.GetValue(6), CultureInfo.InvariantCulture));
        Assert.Equal("nice", reader.GetString(7));
        Assert.False(reader.Read());

        using var merged = await _db.Client.ExecuteReaderAsync(
            """
            SELECT toString(any(ended_at)), any(output_dump), any(summary_dump), any(exception), any(wb_user_id), argMaxMerge(display_name), any(op_name)
            FROM calls_merged GROUP BY project_id, id
            """);
        Assert.True(merged.Read());
        Assert.Equal("2025-01-02 03:04:06.500000", merged.GetString(0));
        Assert.Equal("{\"y\": null}", merged.GetString(1));
        Assert.Equal("{\"usage\": {}}", merged.GetString(2));
        Assert.Equal("boom", merged.GetString(3));
        Assert.Equal("u1", merged.GetString(4));
        Assert.Equal("nice", merged.GetString(5));
        Assert.Equal("weave:///e/p/op/f:1", merged.GetString(6));
        Assert.False(merged.Read());
    }
}
