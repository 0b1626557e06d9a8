using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using CallJoin.Testing;

namespace CallJoin.Routing.Tests;

/// <summary>
/// On identical data, calls_merged (GROUP BY merge of call parts) and calls_complete (FINAL over joined rows) give the
/// same call list, byte for byte, for every filter the read API has.
/// </summary>
public sealed class ReadPathEquivalenceTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private ReadPathDatabase _db = null!;
    private Meter _meter = null!;
    private CallRouter _router = null!;

    public async ValueTask InitializeAsync()
    {
        _db = await ReadPathDatabase.CreateAsync(clickHouse);
        _meter = new Meter("test.reads");
        _router = new CallRouter(_db.Client, _db.Name, () => new RoutingOptions(), new RoutingMetrics(_meter));
    }

    public ValueTask DisposeAsync()
    {
        _meter.Dispose();
        _db.Dispose();
        return ValueTask.CompletedTask;
    }

    public static TheoryData<string> Filters() => new(
        "all",
        "range",
        "open_start",
        "open_end",
        "op_name",
        "trace_id",
        "parent_id",
        "page",
        "newest_first",
        "other_project",
        "no_match");

    private static CallQuery Query(string filter)
    {
        var a = ReadPathDatabase.ProjectA;
        var day2 = ReadPathDatabase.FirstDay.AddDays(1);
        return filter switch
        {
            "all" => new CallQuery(a, Limit: 1000),
            "range" => new CallQuery(a, day2, day2.AddDays(1), Limit: 1000),
            "open_start" => new CallQuery(a, StartedBefore: day2.AddHours(3)),
            "open_end" => new CallQuery(a, StartedAfter: day2.AddHours(3).AddTicks(1)),
            "op_name" => new CallQuery(a, OpName: ReadPathDatabase.Ops[1]),
            "trace_id" => new CallQuery(a, TraceId: TraceOf(a)),
            "parent_id" => new CallQuery(a, ParentId: ChildOfRoot(a)),
            "page" => new CallQuery(a, Limit: 7, Offset: 5),
            "newest_first" => new CallQuery(a, Limit: 10, Descending: true),
            "other_project" => new CallQuery(ReadPathDatabase.ProjectB, day2, Limit: 1000),
            "no_match" => new CallQuery(a, OpName: "nothing"),
            _ => throw new ArgumentOutOfRangeException(nameof(filter)),
        };
    }

    // Filled from the data by the first read: a trace id and a parent id that exist.
    private static string? s_traceId;
    private static string? s_parentId;

    private static string TraceOf(string _) => s_traceId ?? "";

    private static string ChildOfRoot(string _) => s_parentId ?? "";

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Both_tables_answer_alike(string filter)
    {
        await LearnIdsAsync();
        var query = Query(filter);
        var merged = await _router.ReadOnAsync(ReadTable.CallsMerged, query, TestContext.Current.CancellationToken);
        var complete = await _router.ReadOnAsync(ReadTable.CallsComplete, query, TestContext.Current.CancellationToken);

        Assert.Equal(Encoding.UTF8.GetString(complete.Body.Span), Encoding.UTF8.GetString(merged.Body.Span));
        Assert.Equal(complete.Rows, merged.Rows);
        if (filter != "no_match")
        {
            Assert.True(merged.Rows > 0, $"{filter}: no rows, so the comparison proves nothing");
        }
    }

    [Fact]
    public async Task The_calls_have_the_trace_servers_shape()
    {
        var read = await _router.ReadOnAsync(ReadTable.CallsComplete, new CallQuery(ReadPathDatabase.ProjectA, Limit: 1000));
        var calls = Lines(read.Body).ToList();
        Assert.Equal(_db.CallsPerProject, calls.Count); // the end-only fragment is not a call
        var sorted = calls.Select(c => (c.GetProperty("started_at").GetString(), c.GetProperty("id").GetString())).ToList();
        Assert.Equal(sorted.OrderBy(s => s.Item1, StringComparer.Ordinal).ThenBy(s => s.Item2, StringComparer.Ordinal), sorted);

        var running = calls.Where(c => c.GetProperty("ended_at").ValueKind == JsonValueKind.Null).ToList();
        Assert.NotEmpty(running);
        Assert.All(running, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("output").ValueKind));
        var failed = calls.Single(c => c.GetProperty("exception").ValueKind == JsonValueKind.String && c.GetProperty("started_at").GetString()!.StartsWith("2025-03-01T02", StringComparison.Ordinal));
        Assert.Equal("ValueError: bad", failed.GetProperty("exception").GetString());
        var root = calls.First(c => c.GetProperty("parent_id").ValueKind == JsonValueKind.Null);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("inputs").ValueKind);
        Assert.Equal(0, root.GetProperty("inputs").GetProperty("n").GetInt32());
        Assert.Equal(7, root.GetProperty("wb_run_step").GetInt32());
        Assert.Equal(JsonValueKind.Object, root.GetProperty("summary").GetProperty("usage").ValueKind);
        Assert.Equal(ReadPathDatabase.ProjectA, root.GetProperty("project_id").GetString());
        foreach (var name in new[] { "id", "project_id", "op_name", "display_name", "trace_id", "parent_id", "thread_id", "turn_id", "started_at",
                     "ended_at", "exception", "attributes", "inputs", "output", "summary", "wb_user_id", "wb_run_id", "wb_run_step", "wb_run_step_end" })
        {
            Assert.True(root.TryGetProperty(name, out _), name);
        }
    }

    [Fact]
    public async Task Reads_are_counted_per_table()
    {
        using var log = new MeasurementLog(_meter);
        var query = new CallQuery(ReadPathDatabase.ProjectB, Limit: 5);
        await _router.ReadOnAsync(ReadTable.CallsMerged, query);
        await _router.ReadOnAsync(ReadTable.CallsComplete, query);
        await _router.ReadOnAsync(ReadTable.CallsComplete, query);

        Assert.Equal(1, log.Sum("calljoin.reads", "table", "calls_merged"));
        Assert.Equal(2, log.Sum("calljoin.reads", "table", "calls_complete"));
        Assert.Equal(10, log.Sum("calljoin.read.rows", "table", "calls_complete"));
    }

    private async Task LearnIdsAsync()
    {
        if (s_traceId is not null)
        {
            return;
        }

        var read = await _router.ReadOnAsync(ReadTable.CallsComplete, new CallQuery(ReadPathDatabase.ProjectA, Limit: 1000));
        var calls = Lines(read.Body).ToList();
        s_traceId = calls[4].GetProperty("trace_id").GetString();
        s_parentId = calls.First(c => c.GetProperty("parent_id").ValueKind == JsonValueKind.Null && c.GetProperty("trace_id").GetString() == s_traceId)
            .GetProperty("id").GetString();
    }

    internal static IEnumerable<JsonElement> Lines(ReadOnlyMemory<byte> body) =>
        Encoding.UTF8.GetString(body.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement);
}
