using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CallJoin.Bench.Compare;

/// <summary>
/// <c>calljoin-replay/jsonl</c> and <c>calljoin-replay/clickhouse</c>: <c>calljoin replay</c> as a child process over
/// the variant's dump (both topics in kcat -J lines, publish order), into a JSONL file or into ClickHouse.
/// </summary>
/// <remarks>
/// Timed from the process start to its exit (its start-up included: replay is a batch job); for ClickHouse that is
/// until every row is durable. In publish order with the default join options the workload's whole expectation holds,
/// so rows written = complete rows + running rows and error records = the expected error records; ClickHouse's
/// calls_complete FINAL must then hold every call once.
/// </remarks>
internal sealed partial class ReplayContender(bool jsonl) : ICompareContender
{
    public string Name => jsonl ? "calljoin-replay/jsonl" : "calljoin-replay/clickhouse";

    public async Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct)
    {
        var database = data.Database(Name);
        var output = Path.Combine(data.Directory, "replay.jsonl");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CALLJOIN_CLICKHOUSE"] = data.ClickHouse.ConnectionString,
            ["WF_CLICKHOUSE_DATABASE"] = database,
        };
        string[] arguments = ["replay", data.DumpPath, "--sink", jsonl ? $"jsonl:{output}" : "clickhouse"];
        var harnessAtStart = ProcStat.SelfCpuSeconds();
        var clock = Stopwatch.StartNew();
        using var child = ChildProcess.Start(data.Options.ServiceDll, arguments, environment, Path.Combine(data.Directory, $"replay-{(jsonl ? "jsonl" : "clickhouse")}.log"));
        var (exitCode, cpu) = await child.WaitForExitAsync(ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var harnessCpu = ProcStat.SelfCpuSeconds() - harnessAtStart;
        if (exitCode != 0)
        {
            return ContenderResult.Failed(Name, data.Variant, $"exit {exitCode}: {child.LogTail()}");
        }

        var lines = child.LogLines();
        var summary = lines.Select(l => Summary().Match(l)).LastOrDefault(m => m.Success);
        if (summary is null)
        {
            return ContenderResult.Failed(Name, data.Variant, $"no summary line in its output: {child.LogTail()}");
        }

        var records = Parse(summary.Groups["records"].Value);
        var rows = Parse(summary.Groups["rows"].Value);
        var errors = Parse(summary.Groups["errors"].Value);
        var peak = Math.Max(child.PeakBytes, Parse(summary.Groups["peak"].Value) << 20);
        var expected = data.Expected;
        var expectedRows = expected.CompleteRows + expected.RunningRows;
        var ok = records == expected.Messages && rows == expectedRows && errors == expected.ErrorRecords;
        var note = $"{rows:N0} rows, {errors:N0} error records of {records:N0} records (expected {expectedRows:N0}, {expected.ErrorRecords:N0}, {expected.Messages:N0})";
        if (jsonl)
        {
            var written = File.ReadLines(output).LongCount();
            ok &= written == rows + errors;
            note += $"; {written:N0} JSONL lines";
        }
        else
        {
            var inTable = Convert.ToInt64(await data.Client.ExecuteScalarAsync($"SELECT count() FROM {database}.calls_complete FINAL", cancellationToken: ct), CultureInfo.InvariantCulture);
            var errorRows = Convert.ToInt64(await data.Client.ExecuteScalarAsync($"SELECT count() FROM {database}.calljoin_errors", cancellationToken: ct), CultureInfo.InvariantCulture);
            ok &= inTable == expected.CallsInTable && errorRows == expected.ErrorRecords;
            note += $"; calls_complete FINAL {inTable:N0} of {expected.CallsInTable:N0}, calljoin_errors {errorRows:N0}";
        }

        return ContenderResult.Measured(Name, data.Variant, records, data.InputBytes, seconds, cpu, peak, ok, ok ? note : "MISMATCH " + note) with
        {
            HarnessCpuSecondsPerMillion = Math.Round(harnessCpu / Math.Max(1, records) * 1e6, 2),
        };
    }

    private static long Parse(string number) => long.Parse(number.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^replay: (?<records>[\d,]+) records in .* (?<rows>[\d,]+) rows, (?<errors>[\d,]+) error records, .*peak memory (?<peak>\d+) MiB")]
    private static partial Regex Summary();
}
