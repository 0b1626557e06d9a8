using System.Diagnostics;
using System.Globalization;
using CallJoin.Migration.Backfill;
using CallJoin.Workload;
using CallJoin.Workload.Legacy;
using ClickHouse.Driver;

namespace CallJoin.Bench;

/// <summary>
/// Backfill rows/s without a rate limit: a Weave-like workload written to call_parts as the old server did (folded into
/// calls_merged by the view; not measured), then <see cref="BackfillRunner"/> over all its days, verified by count()
/// FINAL against the workload's expectation.
/// </summary>
internal static class BackfillRateBench
{
    private const string Database = "bench_backfill";

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = BenchArgs.Int(args, "--calls", 100_000);
        var days = BenchArgs.Int(args, "--days", 4);

        await using var clickHouse = await BenchTarget.StartAsync(args, "backfill", Database, dropFirst: true);
        var client = clickHouse.Client;

        var workload = new WeaveWorkload(new WorkloadOptions { Calls = calls, Span = TimeSpan.FromDays(days) });
        var expected = workload.Expected;
        var sw = Stopwatch.StartNew();
        var written = await new LegacyCallPartsWriter(client, Database).WriteAsync(workload.Events());
        var parts = Convert.ToInt64(await client.ExecuteScalarAsync($"SELECT count() FROM {Database}.calls_merged"), CultureInfo.InvariantCulture);
        Console.WriteLine($"legacy data: {written.Parts:N0} call_parts rows ({parts:N0} calls_merged rows) in {sw.Elapsed.TotalSeconds:F1} s");

        var cutoff = DateOnly.FromDateTime(workload.Options.Epoch.UtcDateTime).AddDays(days + 2);
        using var runner = new BackfillRunner(client, new BackfillOptions { Database = Database, Cutoff = cutoff });
        sw.Restart();
        var summary = await runner.RunAsync();
        var seconds = sw.Elapsed.TotalSeconds;
        var t = summary.Total;
        var inTable = Convert.ToInt64(await client.ExecuteScalarAsync($"SELECT count() FROM {Database}.calls_complete FINAL"), CultureInfo.InvariantCulture);
        var dumpBytes = Convert.ToInt64(await client.ExecuteScalarAsync(
            $"SELECT sum(length(inputs_dump) + length(output_dump) + length(attributes_dump) + length(summary_dump)) FROM {Database}.calls_complete FINAL"), CultureInfo.InvariantCulture);
        var check = summary.Succeeded && inTable == expected.CallsInTable ? "ok" : $"MISMATCH {inTable} of {expected.CallsInTable} ({summary.Failure})";
        var line = string.Create(CultureInfo.InvariantCulture,
            $"| {calls:N0} calls over {summary.Days.Count} days | {t.Rows:N0} rows + {t.Errors:N0} records | {(t.Rows + t.Errors) / seconds:N0} | {dumpBytes / seconds / 1e6:F0} | {seconds:F1} | {check} |");
        var header = string.Create(CultureInfo.InvariantCulture,
            $"## backfill rate — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, default WeaveWorkload, {clickHouse.Description}, {Environment.ProcessorCount} cores, no rate limit, 1 day per batch");
        var table = $"{header}\n\n| data | written | rows/s | dump MB/s | seconds | check |\n|---|---|---|---|---|---|\n{line}\n";
        Console.WriteLine(table);
        await BenchArgs.AppendResultsAsync(args, table + "\n");

        return check == "ok" ? 0 : 1;
    }
}
