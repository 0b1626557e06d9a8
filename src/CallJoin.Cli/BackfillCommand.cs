using System.CommandLine;
using System.Globalization;
using CallJoin.ClickHouse;
using CallJoin.Migration.Backfill;
using ClickHouse.Driver;

namespace CallJoin.Cli;

/// <summary><c>calljoin backfill</c>: copies calls_merged into calls_complete, day by day, resumably.</summary>
internal static class BackfillCommand
{
    /// <summary>The <c>backfill</c> command.</summary>
    public static Command Create()
    {
        var clickHouse = new ClickHouseOptions();
        var cutoff = CliOptions.Day("--cutoff", "first day NOT copied (default: MIGRATION_CUTOFF_DATE; one of them is required)");
        var until = CliOptions.Day("--until", "oldest day copied (default: the oldest day holding data in calls_merged)");
        var daysPerBatch = CliOptions.Int("--days-per-batch", 1, "days per read of calls_merged", min: 1);
        var rowsPerSecond = CliOptions.Int("--rows-per-second", 0, "at most N rows and error records written per second (0: unlimited)", min: 0);
        var maxMemoryMib = CliOptions.Int("--max-memory-mib", 2048,
            "max_memory_usage of each read; aggregation spills to disk above half, and a read that still runs out is retried as two half windows", min: 1);
        var chunkRows = CliOptions.Int("--chunk-rows", 20_000, "rows written between two flushes: the unit a killed run rewrites", min: 1);
        var dryRun = CliOptions.Flag("--dry-run", "report per day what would be copied (complete, running, end-only); write nothing");
        var command = new Command("backfill", """
            copy calls_merged into calls_complete, day by day, resumably (the migration's backfill)

            Copies every call of calls_merged (read with the legacy GROUP BY project_id, id merge) into calls_complete
            with source 'migration', in batches of days moving backwards from the day before --cutoff to --until.
            Rows are built by the live join's own code: a complete call's row equals the join's for the same halves.
            A start alone becomes a running row, an end alone a start_missing record in calljoin_errors.
            Each day goes pending -> processing -> completed/failed in backfill_progress; completed days are skipped,
            so after a crash or kill the same command resumes (a half-done batch is rewritten without duplicates).

            ClickHouse: CALLJOIN_CLICKHOUSE or WF_CLICKHOUSE_HOST/_PORT/_USER/_PASS and WF_CLICKHOUSE_DATABASE.
            Exit code 0 when every day is completed, 1 when a batch failed (run again to resume).
            """) { cutoff, until, daysPerBatch, rowsPerSecond, maxMemoryMib, chunkRows, dryRun };
        clickHouse.AddTo(command);
        command.SetAction((parse, stop) =>
        {
            var endpoint = clickHouse.Resolve(parse);
            var cutoffDay = parse.GetValue(cutoff) ?? CutoffFromEnvironment();
            var backfill = new BackfillOptions
            {
                Database = endpoint.Database,
                Cutoff = cutoffDay,
                Until = parse.GetValue(until),
                DaysPerBatch = parse.GetValue(daysPerBatch),
                RowsPerSecond = parse.GetValue(rowsPerSecond),
                MaxQueryMemoryBytes = parse.GetValue(maxMemoryMib) * 1024L * 1024,
                ChunkRows = parse.GetValue(chunkRows),
                DryRun = parse.GetValue(dryRun),
            };
            if (backfill.Until is { } last && last >= cutoffDay)
            {
                throw new CommandLineException($"--until {last:yyyy-MM-dd} must be before the cutoff {cutoffDay:yyyy-MM-dd}.");
            }

            return RunAsync(endpoint, backfill, stop);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClickHouseEndpoint endpoint, BackfillOptions backfill, CancellationToken stop)
    {
        using var client = new ClickHouseClient(endpoint.ConnectionString);
        var progress = ConsoleProgress.OnStandardError("backfill", "rows");
        var display = new BackfillConsole(progress, backfill.DryRun);
        using var runner = new BackfillRunner(client, backfill, display);
        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"backfill{(backfill.DryRun ? " (dry run)" : "")}: database '{endpoint.Database}', days before {backfill.Cutoff:yyyy-MM-dd} back to {(backfill.Until is { } u ? u.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "the oldest")}, {(backfill.RowsPerSecond == 0 ? "no rate limit" : $"{backfill.RowsPerSecond:N0} rows/s")}"));
        var summary = await runner.RunAsync(stop).ConfigureAwait(false);
        display.WriteSummary(summary);
        return summary.Succeeded ? 0 : 1;
    }

    /// <summary>MIGRATION_CUTOFF_DATE, the job's way of giving the cutoff; a usage error when unset or not a day.</summary>
    private static DateOnly CutoffFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable("MIGRATION_CUTOFF_DATE");
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CommandLineException("give --cutoff YYYY-MM-DD or set MIGRATION_CUTOFF_DATE.");
        }

        return CliOptions.ParseDay(text)
            ?? throw new CommandLineException($"--cutoff (or MIGRATION_CUTOFF_DATE) expects a date YYYY-MM-DD, got '{text}'.");
    }
}
