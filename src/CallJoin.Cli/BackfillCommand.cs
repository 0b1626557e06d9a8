using System.Globalization;
using CallJoin.ClickHouse;
using CallJoin.Migration.Backfill;
using ClickHouse.Driver;

namespace CallJoin.Cli;

/// <summary><c>calljoin backfill</c>: copies calls_merged into calls_complete, day by day, resumably.</summary>
internal static class BackfillCommand
{
    private const string Help = """
        usage: calljoin backfill [--clickhouse CONNECTION-STRING] [--database NAME]
                                 [--cutoff YYYY-MM-DD] [--until YYYY-MM-DD] [--days-per-batch N]
                                 [--rows-per-second N] [--max-memory-mib N] [--chunk-rows N] [--dry-run]

        Copies every call of calls_merged (read with the legacy GROUP BY project_id, id merge) into calls_complete
        with source 'migration', in batches of days moving backwards from the day before --cutoff to --until.
        Rows are built by the live join's own code: a complete call's row equals the join's for the same halves.
        A start alone becomes a running row, an end alone a start_missing record in calljoin_errors.
        Each day goes pending -> processing -> completed/failed in backfill_progress; completed days are skipped,
        so after a crash or kill the same command resumes (a half-done batch is rewritten without duplicates).

        --cutoff D          first day NOT copied (default: MIGRATION_CUTOFF_DATE; one of them is required)
        --until D           oldest day copied (default: the oldest day holding data in calls_merged)
        --days-per-batch N  days per read of calls_merged (default 1)
        --rows-per-second N at most N rows and error records written per second (default: unlimited)
        --max-memory-mib N  max_memory_usage of each read (default 2048); aggregation spills to disk above half,
                            and a read that still runs out is retried as two half windows
        --chunk-rows N      rows written between two flushes (default 20000): the unit a killed run rewrites
        --dry-run           report per day what would be copied (complete, running, end-only); write nothing

        ClickHouse: CALLJOIN_CLICKHOUSE or WF_CLICKHOUSE_HOST/_PORT/_USER/_PASS and WF_CLICKHOUSE_DATABASE.
        Exit code 0 when every day is completed, 1 when a batch failed (run again to resume).
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var endpoint = options.ClickHouseFromEnvironment();
        var cutoff = Date(options.String("cutoff") ?? Environment.GetEnvironmentVariable("MIGRATION_CUTOFF_DATE"), "--cutoff (or MIGRATION_CUTOFF_DATE)")
            ?? throw new CommandLineException("give --cutoff YYYY-MM-DD or set MIGRATION_CUTOFF_DATE.");
        var backfill = new BackfillOptions
        {
            Database = endpoint.Database,
            Cutoff = cutoff,
            Until = Date(options.String("until"), "--until"),
            DaysPerBatch = Positive(options.Int("days-per-batch", 1), "days-per-batch"),
            RowsPerSecond = NonNegative(options.Int("rows-per-second", 0), "rows-per-second"),
            MaxQueryMemoryBytes = Positive(options.Int("max-memory-mib", 2048), "max-memory-mib") * 1024L * 1024,
            ChunkRows = Positive(options.Int("chunk-rows", 20_000), "chunk-rows"),
            DryRun = options.Flag("dry-run"),
        };
        options.RejectUnknown();
        if (backfill.Until is { } until && until >= cutoff)
        {
            throw new CommandLineException($"--until {until:yyyy-MM-dd} must be before the cutoff {cutoff:yyyy-MM-dd}.");
        }

        using var client = new ClickHouseClient(endpoint.ConnectionString);
        var display = new BackfillConsole(Console.Error, interactive: !Console.IsErrorRedirected, backfill.DryRun);
        using var runner = new BackfillRunner(client, backfill, display);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"backfill{(backfill.DryRun ? " (dry run)" : "")}: database '{endpoint.Database}', days before {cutoff:yyyy-MM-dd} back to {(backfill.Until is { } u ? u.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "the oldest")}, {(backfill.RowsPerSecond == 0 ? "no rate limit" : $"{backfill.RowsPerSecond:N0} rows/s")}"));
        var summary = await runner.RunAsync(stop).ConfigureAwait(false);
        display.WriteSummary(summary);
        return summary.Succeeded ? 0 : 1;
    }

    private static DateOnly? Date(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new CommandLineException($"{what} expects a date YYYY-MM-DD, got '{text}'.");
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new CommandLineException($"--{name} must be at least 1, got {value}.");

    private static int NonNegative(int value, string name) =>
        value >= 0 ? value : throw new CommandLineException($"--{name} must not be negative, got {value}.");
}
