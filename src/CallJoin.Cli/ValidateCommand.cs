using System.CommandLine;
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

    /// <summary>The <c>validate</c> command.</summary>
    public static Command Create()
    {
        var clickHouse = new ClickHouseOptions();
        var from = CliOptions.Day("--from", "the first day compared (UTC)");
        var to = CliOptions.Day("--to", "the last day compared (UTC)");
        from.Required = true;
        to.Required = true;
        var project = CliOptions.Text("--project", "ID", "compare this project only (default: every project)");
        var sample = CliOptions.Int("--sample", 1000, "calls per day whose every compared column is checked; 0 compares every call", min: 0);
        var report = CliOptions.Text("--report", "PATH", "also write a Markdown or JSON report there");
        var format = new Option<string?>("--format") { HelpName = "md|json", Description = "the report's format (default: from the extension of --report, else md)" };
        format.AcceptOnlyFromAmong("md", "markdown", "json");
        var maxListed = CliOptions.Int("--max-listed", 20, "mismatching calls listed with their fields per day; all are counted", min: 0);
        var refsAsSets = CliOptions.Flag("--refs-as-sets",
            "compare input_refs/output_refs as sets: calls_merged repeats the refs of a half the old server stored twice, which calls_complete keeps once");
        var noVerdicts = CliOptions.Flag("--no-verdicts", "compare and report only; leave migration_validation as it is");
        var maxMemoryMib = CliOptions.Int("--max-memory-mib", 2048, "max_memory_usage of each query; GROUP BY and sorting spill above half", min: 1);
        var command = new Command("validate", """
            compare calls_merged with calls_complete per day and project; exit 1 when they differ

            Compares the legacy calls_merged (read as the trace server reads it: GROUP BY project_id, id) with
            calls_complete (FINAL) for each day (UTC; a call's day is that of its started_at, an end-only call's that of
            its ended_at) and project:
              - counts of complete calls, running calls and end-only calls (start_missing records on the new path);
              - every compared column of a sample of calls (--sample N per day, default 1000; 0 compares every call).
            Writes one verdict per (day, project) into migration_validation (the query router reads the latest), prints a
            summary and, with --report, a Markdown or JSON report (format from --format, else from the extension).

            Exit code: 0 consistent, 1 something differs, 2 usage error, 3 ClickHouse could not be queried.
            """) { from, to, project, sample, report, format, maxListed, refsAsSets, noVerdicts, maxMemoryMib };
        clickHouse.AddTo(command);
        command.Validators.Add(r =>
        {
            if (r.ValidValue(from) is { } first && r.ValidValue(to) is { } last && last < first)
            {
                r.AddError($"--to ({last:yyyy-MM-dd}) is before --from ({first:yyyy-MM-dd}).");
            }
        });
        command.SetAction((parse, stop) =>
        {
            var endpoint = clickHouse.Resolve(parse);
            var reportPath = parse.GetValue(report);
            var validation = new ValidationOptions
            {
                Database = endpoint.Database,
                From = parse.GetValue(from)!.Value,
                To = parse.GetValue(to)!.Value,
                ProjectId = parse.GetValue(project),
                Sample = parse.GetValue(sample),
                MaxListedPerDay = parse.GetValue(maxListed),
                WriteVerdicts = !parse.GetValue(noVerdicts),
                RefsAsSets = parse.GetValue(refsAsSets),
                MaxQueryMemoryBytes = parse.GetValue(maxMemoryMib) * 1024L * 1024,
            };
            return RunAsync(endpoint, validation, reportPath, Format(parse.GetValue(format), reportPath), stop);
        });
        return command;
    }

    private static async Task<int> RunAsync(ClickHouseEndpoint endpoint, ValidationOptions validation, string? report,
        ValidationReportFormat format, CancellationToken stop)
    {
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

    private static ValidationReportFormat Format(string? format, string? report) => format switch
    {
        "md" or "markdown" => ValidationReportFormat.Markdown,
        "json" => ValidationReportFormat.Json,
        null => report is not null && report.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? ValidationReportFormat.Json
            : ValidationReportFormat.Markdown,
        _ => ValidationReportFormat.Markdown,
    };
}
