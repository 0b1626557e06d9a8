using System.Globalization;
using CallJoin.ClickHouse;
using CallJoin.Migration.Validation;
using ClickHouse.Driver;

namespace CallJoin.Cli;

/// <summary><c>calljoin validate</c>: compares calls_merged with calls_complete per day and project and records the verdicts.</summary>
internal static class ValidateCommand
{
    /// <summary>Exit code when every day and project is consistent.</summary>
    public const int Consistent = 0;

    /// <summary>Exit code when anything differs.</summary>
    public const int Mismatch = 1;

    /// <summary>Exit code when ClickHouse could not be queried, so nothing was decided.</summary>
    public const int NotValidated = 3;

    private const string Help = """
        usage: calljoin validate --from YYYY-MM-DD --to YYYY-MM-DD [--project ID] [--sample N]
                                 [--report PATH] [--format md|json] [--max-listed N] [--refs-as-sets] [--no-verdicts]
                                 [--max-memory-mib N]
                                 [--clickhouse CONNECTION-STRING] [--database NAME]

        Compares the legacy calls_merged (read as the trace server reads it: GROUP BY project_id, id) with
        calls_complete (FINAL) for each day (UTC; a call's day is that of its started_at, an end-only call's that of
        its ended_at) and project:
          - counts of complete calls, running calls and end-only calls (start_missing records on the new path);
          - every compared column of a sample of calls (--sample N per day, default 1000; 0 compares every call).
        Writes one verdict per (day, project) into migration_validation (the query router reads the latest), prints a
        summary and, with --report, a Markdown or JSON report (format from --format, else from the extension).

        --max-listed N   mismatching calls listed with their fields per day (default 20); all are counted
        --refs-as-sets   compare input_refs/output_refs as sets: calls_merged repeats the refs of a half the old
                         server stored twice, which calls_complete keeps once
        --no-verdicts    compare and report only; leave migration_validation as it is
        --max-memory-mib max_memory_usage of each query (default 2048); GROUP BY and sorting spill above half

        Exit code: 0 consistent, 1 something differs, 2 usage error, 3 ClickHouse could not be queried.
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var endpoint = options.ClickHouseFromEnvironment();
        var from = Day(options, "from");
        var to = Day(options, "to");
        var project = options.String("project");
        var sample = options.Int("sample", 1000);
        var maxListed = options.Int("max-listed", 20);
        var writeVerdicts = !options.Flag("no-verdicts");
        var refsAsSets = options.Flag("refs-as-sets");
        var maxMemoryMib = options.Int("max-memory-mib", 2048);
        var report = options.String("report");
        var format = Format(options.String("format"), report);
        options.RejectUnknown();
        if (options.Positional.Count > 0)
        {
            throw new CommandLineException($"unexpected argument '{options.Positional[0]}' (see --help).");
        }

        if (to < from)
        {
            throw new CommandLineException($"--to ({to:yyyy-MM-dd}) is before --from ({from:yyyy-MM-dd}).");
        }

        if (sample < 0 || maxListed < 0)
        {
            throw new CommandLineException("--sample and --max-listed must not be negative.");
        }

        if (maxMemoryMib < 1)
        {
            throw new CommandLineException("--max-memory-mib must be at least 1.");
        }

        if (project is { Length: 0 } || report is { Length: 0 })
        {
            throw new CommandLineException("--project and --report need a value.");
        }

        var validation = new ValidationOptions
        {
            Database = endpoint.Database,
            From = from,
            To = to,
            ProjectId = project,
            Sample = sample,
            MaxListedPerDay = maxListed,
            WriteVerdicts = writeVerdicts,
            RefsAsSets = refsAsSets,
            MaxQueryMemoryBytes = maxMemoryMib * 1024L * 1024,
        };

        ValidationReport result;
        using (var client = new ClickHouseClient(endpoint.ConnectionString))
        {
            try
            {
                var progress = new Progress<string>(line => Console.Error.WriteLine("validate: " + line));
                result = await new MigrationValidator(client, validation, progress).RunAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ClickHouseServerException or HttpRequestException)
            {
                await Console.Error.WriteLineAsync($"calljoin validate: ClickHouse could not be queried, nothing decided: {ex.Message}").ConfigureAwait(false);
                return NotValidated;
            }
        }

        if (report is not null)
        {
            await ValidationReportWriter.WriteFileAsync(result, format, report, stop).ConfigureAwait(false);
            Console.Error.WriteLine($"validate: report written to {report}");
        }

        Console.WriteLine(ValidationReportWriter.Summary(result));
        return result.Consistent ? Consistent : Mismatch;
    }

    private static DateOnly Day(CommandOptions options, string name)
    {
        var text = options.String(name) ?? throw new CommandLineException($"--{name} YYYY-MM-DD is required (see --help).");
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : throw new CommandLineException($"--{name} expects a day as YYYY-MM-DD, got '{text}'.");
    }

    private static ValidationReportFormat Format(string? format, string? report) => format switch
    {
        "md" or "markdown" => ValidationReportFormat.Markdown,
        "json" => ValidationReportFormat.Json,
        null => report is not null && report.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? ValidationReportFormat.Json
            : ValidationReportFormat.Markdown,
        _ => throw new CommandLineException($"--format expects md or json, got '{format}'."),
    };
}
