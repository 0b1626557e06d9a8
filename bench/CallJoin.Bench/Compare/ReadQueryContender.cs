using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using CallJoin.Routing;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>read/calls_merged</c> and <c>read/calls_complete</c>: the read API's top-100 call list (a project's newest 100
/// calls, every field) on calls_merged (GROUP BY) as the legacy path left it and on calls_complete (FINAL) as
/// <c>calljoin replay</c> wrote it, from the same data: latency over several runs and the query's peak memory.
/// </summary>
/// <remarks>
/// The queries are the read API's own (<see cref="CallListSql"/>), as in <c>calljoin-bench read-path</c>. Peak memory
/// is the smallest <c>max_memory_usage</c> under which the query completes (the embedded engine keeps no
/// system.query_log). Correct when the list holds 100 calls (or all the project has) and both tables give the same ids
/// in the same order.
/// </remarks>
internal sealed class ReadQueryContender(bool merged) : ICompareContender
{
    public string Name => merged ? "read/calls_merged" : "read/calls_complete";

    public async Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct)
    {
        var source = merged ? "calls-merged-mv" : "calljoin-replay/clickhouse";
        if (data.Earlier.FirstOrDefault(r => r.Name == source) is not { Correct: true })
        {
            return ContenderResult.Failed(Name, data.Variant, $"not measured: {source}, which fills the table, did not run correctly");
        }

        var database = data.Database(source);
        var table = merged ? ReadTable.CallsMerged : ReadTable.CallsComplete;
        var project = Convert.ToString(await data.Client.ExecuteScalarAsync(
            $"SELECT project_id FROM {data.Database("calljoin-replay/clickhouse")}.calls_complete GROUP BY project_id ORDER BY count() DESC, project_id LIMIT 1",
            cancellationToken: ct), CultureInfo.InvariantCulture)!;
        var query = new CallQuery(project, Limit: 100, Descending: true);
        var (sql, parameters) = CallListSql.For(table, query, database);
        var latencies = new List<double>();
        List<string> ids = [];
        for (var run = 0; run <= data.Options.ReadRuns; run++)
        {
            var clock = Stopwatch.StartNew();
            ids = [];
            var buffer = new ArrayBufferWriter<byte>();
            using (var reader = await data.Client.ExecuteReaderAsync(sql, parameters, cancellationToken: ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    ids.Add(reader.GetString(0));
                    CallJsonWriter.WriteLine(reader, project, buffer);
                }
            }

            if (run > 0)
            {
                latencies.Add(clock.Elapsed.TotalMilliseconds);   // run 0 warms caches
            }
        }

        var memory = await ReadPathBench.PeakMemoryAsync(data.Client, table, query, database);
        var (correct, note) = await CheckAsync(data, project, ids, ct);
        latencies.Sort();
        return new ContenderResult
        {
            Name = Name,
            Variant = data.Variant,
            P50Ms = Math.Round(Percentile(latencies, 0.5), 1),
            P99Ms = Math.Round(Percentile(latencies, 0.99), 1),
            QueryMemoryMib = Math.Round(memory / 1048576.0, 1),
            Correct = correct,
            Note = $"{note}; {latencies.Count} runs after a warm-up; peak memory by max_memory_usage bisection",
        };
    }

    /// <summary>The list's length against what the project holds, and (for the second table) its ids against the first's.</summary>
    private async Task<(bool Correct, string Note)> CheckAsync(CompareData data, string project, List<string> ids, CancellationToken ct)
    {
        var started = Convert.ToInt64(await data.Client.ExecuteScalarAsync(
            $"SELECT count() FROM {data.Database("calljoin-replay/clickhouse")}.calls_complete FINAL WHERE project_id = '{project}'", cancellationToken: ct),
            CultureInfo.InvariantCulture);
        var expected = (int)Math.Min(100, started);
        var ok = ids.Count == expected;
        var note = $"{ids.Count} calls of {project} (expected {expected})";
        data.ReadIds[Name] = ids;
        if (!merged && data.ReadIds.TryGetValue("read/calls_merged", out var first))
        {
            var same = first.SequenceEqual(ids);
            ok &= same;
            note += same ? ", the same ids in the same order as calls_merged" : ", NOT the ids calls_merged gave";
        }

        return (ok, ok ? note : "MISMATCH " + note);
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
