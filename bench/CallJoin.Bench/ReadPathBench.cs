using System.Diagnostics;
using System.Globalization;
using CallJoin.Routing;
using ClickHouse.Driver;

namespace CallJoin.Bench;

/// <summary>
/// The read path side by side: the read API's top-100 call list (a project's newest 100 calls with every field) on
/// calls_merged (GROUP BY merge of call parts) and on calls_complete (FINAL), on identical data, with latency and the
/// peak memory ClickHouse reports for each run in system.query_log.
/// </summary>
/// <remarks>
/// Data goes straight into the tables with INSERT … SELECT FROM numbers(): calls_complete first, then two call_parts
/// rows per call (a start part, an end part) derived from it, folded by calls_merged_view as the old server's writes
/// were. Half of the calls belong to the measured project; dumps are incompressible text.
/// </remarks>
internal static class ReadPathBench
{
    private const string Database = "bench_reads";
    private const string Project = "entity/big-project";

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = BenchArgs.Int(args, "--calls", 200_000);
        var dumpBytes = BenchArgs.Int(args, "--dump-bytes", 1024);
        var runs = BenchArgs.Int(args, "--runs", 5);
        await using var clickHouse = await BenchTarget.StartAsync(args, "reads", Database, dropFirst: true);
        var client = clickHouse.Client;

        var sw = Stopwatch.StartNew();
        await GenerateAsync(client, calls, dumpBytes);
        var generate = sw.Elapsed.TotalSeconds;
        var merged = await ScalarAsync(client, $"SELECT count() FROM (SELECT id FROM {Database}.calls_merged WHERE project_id = '{Project}' GROUP BY project_id, id)");
        var complete = await ScalarAsync(client, $"SELECT count() FROM {Database}.calls_complete FINAL WHERE project_id = '{Project}'");
        var mergedParts = await ScalarAsync(client, $"SELECT count() FROM system.parts WHERE database = '{Database}' AND table = 'calls_merged' AND active");
        var completeParts = await ScalarAsync(client, $"SELECT count() FROM system.parts WHERE database = '{Database}' AND table = 'calls_complete' AND active");
        Console.WriteLine($"generated {calls:N0} calls in {generate:F1} s; project {Project}: {merged:N0} calls in calls_merged ({mergedParts} parts), {complete:N0} in calls_complete ({completeParts} parts)");

        var query = new CallQuery(Project, Limit: 100, Descending: true);
        var results = new Dictionary<ReadTable, List<double>>
        {
            [ReadTable.CallsMerged] = [],
            [ReadTable.CallsComplete] = [],
        };
        string? firstBody = null;
        var identical = true;
        for (var run = 0; run <= runs; run++)
        {
            foreach (var table in new[] { ReadTable.CallsMerged, ReadTable.CallsComplete })
            {
                var (sql, parameters) = CallListSql.For(table, query, Database);
                var t = Stopwatch.StartNew();
                var body = new System.Text.StringBuilder();
                using (var reader = await client.ExecuteReaderAsync(sql, parameters))
                {
                    var buffer = new System.Buffers.ArrayBufferWriter<byte>();
                    while (await reader.ReadAsync())
                    {
                        CallJsonWriter.WriteLine(reader, Project, buffer);
                    }

                    body.Append(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
                }

                var seconds = t.Elapsed.TotalSeconds;
                firstBody ??= body.ToString();
                identical &= firstBody == body.ToString();
                if (run > 0)
                {
                    results[table].Add(seconds); // run 0 warms caches
                }

                Console.WriteLine($"  {QueryRouter.Name(table)} run {run}: {seconds * 1000:F0} ms");
            }
        }

        var memory = new Dictionary<ReadTable, long>();
        foreach (var table in results.Keys)
        {
            memory[table] = await PeakMemoryAsync(client, table, query, Database);
            Console.WriteLine($"  {QueryRouter.Name(table)} peak memory: {memory[table] / 1048576.0:F1} MiB");
        }

        var lines = new List<string>
        {
            "",
            $"## read path — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {calls:N0} calls ({merged:N0} in the measured project), ~{dumpBytes} B of dumps per call, {clickHouse.Description}, 2 cores",
            "",
            $"The read API's top-100 call list (newest 100 calls of one project, every field), median of {runs} runs after one warm-up, measured by the client (query, transfer and JSON writing). Peak memory: the smallest `max_memory_usage` under which the query completes (bisection to 5%; the embedded engine keeps no system.query_log). Parts at the time: calls_merged {mergedParts}, calls_complete {completeParts}. Both answers identical: {(identical ? "yes" : "NO")}.",
            "",
            "| table | query | median latency ms | peak memory MiB |",
            "|---|---|---|---|",
        };
        foreach (var (table, list) in results)
        {
            var how = table == ReadTable.CallsMerged ? "GROUP BY project_id, id + any()/argMaxMerge(), HAVING" : "FINAL, ORDER BY started_at DESC";
            lines.Add($"| {QueryRouter.Name(table)} | {how} | {Median(list.Select(r => r * 1000)):F0} | {memory[table] / 1048576.0:F0} |");
        }

        foreach (var line in lines)
        {
            Console.WriteLine(line);
        }

        await BenchArgs.AppendResultsAsync(args, string.Concat(lines.Select(l => l + Environment.NewLine)));

        return identical ? 0 : 1;
    }

    private static async Task GenerateAsync(ClickHouseClient client, int calls, int dumpBytes)
    {
        // base64 of random bytes: incompressible, valid inside a JSON string.
        var inputBytes = dumpBytes * 3 / 8;
        var outputBytes = dumpBytes * 3 / 8 / 2;
        await client.ExecuteNonQueryAsync(
            $$"""
            INSERT INTO {{Database}}.calls_complete (id, project_id, created_at, trace_id, op_name, started_at, ended_at, parent_id, display_name,
                inputs_dump, input_refs, output_dump, summary_dump, output_refs, attributes_dump, wb_user_id, wb_run_id, source)
            SELECT
                concat('call-', leftPad(toString(number), 10, '0')) AS id,
                if(number % 2 = 0, '{{Project}}', concat('entity/project-', toString(number % 7))) AS project_id,
                started + toIntervalMillisecond(1500) AS created_at,
                concat('trace-', toString(intDiv(number, 8))) AS trace_id,
                concat('weave:///entity/project/op/op_', toString(number % 13), ':v1') AS op_name,
                started AS started_at,
                started + toIntervalMillisecond(1500) AS ended_at,
                if(number % 8 = 0, '', concat('call-', leftPad(toString(number - 1), 10, '0'))) AS parent_id,
                '' AS display_name,
                concat('{"messages": [{"role": "user", "content": "', base64Encode(randomString({{inputBytes}})), '"}]}') AS inputs_dump,
                [] AS input_refs,
                concat('{"content": "', base64Encode(randomString({{outputBytes}})), '"}') AS output_dump,
                concat('{"usage": {"gpt-4o": {"requests": 1, "prompt_tokens": ', toString(number % 1000), repeat('}', 3)) AS summary_dump,
                [] AS output_refs,
                concat('{"weave": {"client_version": "0.51.0", "os_name": "Linux"}', '}') AS attributes_dump,
                'user-1' AS wb_user_id,
                '' AS wb_run_id,
                'calljoin' AS source
            FROM (SELECT number, toDateTime64('2025-03-01 00:00:00', 6) + toIntervalMicrosecond(number * 2000000 + number % 997) AS started FROM numbers({{calls}}))
            """);
        await client.ExecuteNonQueryAsync(
            $"""
            INSERT INTO {Database}.call_parts (id, project_id, trace_id, parent_id, op_name, display_name, started_at, attributes_dump, inputs_dump,
                input_refs, output_refs, wb_user_id, wb_run_id, created_at)
            SELECT id, project_id, trace_id, nullIf(parent_id, ''), op_name, NULL, started_at, attributes_dump, inputs_dump, [], [], wb_user_id, NULL, started_at
            FROM {Database}.calls_complete
            """);
        await client.ExecuteNonQueryAsync(
            $"""
            INSERT INTO {Database}.call_parts (id, project_id, ended_at, exception, output_dump, summary_dump, input_refs, output_refs, created_at)
            SELECT id, project_id, ended_at, NULL, output_dump, summary_dump, [], [], ended_at
            FROM {Database}.calls_complete
            """);
    }

    /// <summary>
    /// The query's peak memory as ClickHouse's memory tracker sees it: the smallest <c>max_memory_usage</c> under which
    /// it still completes, found by bisection to within 5% (the embedded engine keeps no system.query_log).
    /// </summary>
    internal static async Task<long> PeakMemoryAsync(ClickHouseClient client, ReadTable table, CallQuery query, string database)
    {
        long lo = 1 << 20, hi = 16L << 30;
        while (hi > lo * 21 / 20)
        {
            var mid = (long)Math.Sqrt((double)lo * hi);
            var (sql, parameters) = CallListSql.For(table, query, database);
            try
            {
                using var reader = await client.ExecuteReaderAsync($"{sql}\nSETTINGS max_memory_usage = {mid}", parameters);
                while (await reader.ReadAsync())
                {
                }

                hi = mid;
            }
            catch (ClickHouseServerException ex) when (ex.ErrorCode == 241)
            {
                lo = mid; // MEMORY_LIMIT_EXCEEDED
            }
        }

        return hi;
    }

    private static async Task<long> ScalarAsync(ClickHouseClient client, string sql) =>
        Convert.ToInt64(await client.ExecuteScalarAsync(sql), CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
