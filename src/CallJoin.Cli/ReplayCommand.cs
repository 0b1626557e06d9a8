using System.Diagnostics;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Dumps;
using CallJoin.Replay;
using CallJoin.State;
using ClickHouse.Driver;

namespace CallJoin.Cli;

/// <summary><c>calljoin replay DUMP...</c>: dumps through the join engine, without a broker, into ClickHouse or JSONL.</summary>
internal static class ReplayCommand
{
    private const string Help = """
        usage: calljoin replay DUMP... [--sink clickhouse | --sink jsonl:PATH] [--drain true|false]
                               [--clickhouse CONNECTION-STRING] [--database NAME]
                               [--start-topic T] [--end-topic T] [--state DIR] [--state-mib N]
                               [--start-timeout S] [--end-timeout S]

        Replays dumps in kcat's -J line format (plain or gzip; several are merged by record time) through the same
        join engine as the service. Stream time comes from the records, so the same dumps always give the same rows
        in the same order. At the end of input every remaining timeout is applied (--drain false keeps pending
        halves unwritten).

        --sink clickhouse (default)  into calls_complete and calljoin_errors of the configured database (migrated
                                     first; CALLJOIN_CLICKHOUSE or WF_CLICKHOUSE_* and WF_CLICKHOUSE_DATABASE)
        --sink jsonl:PATH            one JSON object per line: rows with the calls_complete columns, error records
                                     with the calljoin_errors columns ('-' for standard output)
        --state DIR                  keep pending halves in a FASTER store there (default: in memory)
        """;

    public static async Task<int> RunAsync(CommandOptions options, CancellationToken stop)
    {
        if (options.Help)
        {
            Console.WriteLine(Help);
            return 0;
        }

        var sink = options.String("sink", "clickhouse");
        var drain = Bool(options, "drain", true);
        var startTopic = options.String("start-topic", WeaveTopics.CallStarted);
        var endTopic = options.String("end-topic", WeaveTopics.CallEnded);
        var stateDir = options.String("state");
        var stateMib = options.Int("state-mib", 256);
        var defaults = new JoinOptions();
        var join = defaults with
        {
            StartTimeout = TimeSpan.FromSeconds(options.Int("start-timeout", (int)defaults.StartTimeout.TotalSeconds)),
            EndTimeout = TimeSpan.FromSeconds(options.Int("end-timeout", (int)defaults.EndTimeout.TotalSeconds)),
        };
        var endpoint = options.ClickHouseFromEnvironment();
        options.RejectUnknown();
        if (options.Positional.Count == 0)
        {
            throw new CommandLineException("give at least one dump file (see --help).");
        }

        foreach (var path in options.Positional.Where(p => !File.Exists(p)))
        {
            throw new CommandLineException($"no such dump file: {path}");
        }

        using var store = stateDir is null
            ? (IPendingStore)new InMemoryPendingStore()
            : new FasterPendingStore(new PendingStoreOptions { Directory = stateDir, MemoryBudgetBytes = stateMib * 1024L * 1024, DeleteOnDispose = true });
        using var input = new DumpMerge([.. options.Positional.Select(path => DumpReader.Open(path))]);
        var progress = new Progress<ReplayProgress>(p =>
            Console.Error.WriteLine($"replay: {p.Records:N0} records, {p.Records / p.Elapsed.TotalSeconds:N0}/s, {p.Rows:N0} rows, {p.Errors:N0} errors"));

        ReplaySummary summary;
        IReadOnlyDictionary<string, long> byReason;
        if (sink.StartsWith("jsonl:", StringComparison.Ordinal))
        {
            var path = sink["jsonl:".Length..];
            using var stream = path == "-" ? Console.OpenStandardOutput() : File.Create(path, 1 << 20);
            var result = await JsonlReplay.RunAsync(input, stream, store, join, startTopic, endTopic, drain, Malformed, progress, stop).ConfigureAwait(false);
            summary = result.Summary;
            byReason = result.ErrorsByReason;
        }
        else if (sink == "clickhouse")
        {
            using var client = new ClickHouseClient(endpoint.ConnectionString);
            await new SchemaMigrator(client, endpoint.Database).MigrateAsync(ct: stop).ConfigureAwait(false);
            await using var clickHouse = new ClickHouseSink(client, new SinkOptions { Database = endpoint.Database, StartTopic = startTopic, EndTopic = endTopic });
            var output = new CountingOutput<ClickHouseSinkOutput>(new ClickHouseSinkOutput(clickHouse));
            var engine = new JoinEngine<CountingOutput<ClickHouseSinkOutput>>(store, join, output);
            summary = await DumpReplay.RunAsync(input, engine, startTopic, endTopic, drain, () => clickHouse.WaitForCapacityAsync(stop),
                Malformed, progress, () => (output.Rows, output.Errors), stop).ConfigureAwait(false);
            var completing = Stopwatch.StartNew();
            await clickHouse.CompleteAsync(stop).ConfigureAwait(false);
            summary = summary with { Elapsed = summary.Elapsed + completing.Elapsed };   // until every row is durable
            byReason = output.ErrorsByReason;
        }
        else
        {
            throw new CommandLineException($"--sink must be 'clickhouse' or 'jsonl:PATH', got '{sink}'.");
        }

        using var self = Process.GetCurrentProcess();
        Console.Error.WriteLine(
            $"replay: {summary.Records:N0} records in {summary.Elapsed.TotalSeconds:F1} s ({summary.RecordsPerSecond:N0}/s), "
            + $"{summary.Rows:N0} rows, {summary.Errors:N0} error records, {summary.OtherTopics:N0} records of other topics skipped, "
            + $"{summary.MalformedLines:N0} malformed dump lines; peak memory {self.PeakWorkingSet64 >> 20} MiB");
        foreach (var (reason, count) in byReason.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            Console.Error.WriteLine($"  {reason}: {count:N0}");
        }

        return 0;
    }

    private static void Malformed(DumpReader reader) =>
        Console.Error.WriteLine($"replay: {reader.Name}:{reader.LineNumber}: skipped, not a record: {reader.Error}");

    private static bool Bool(CommandOptions options, string name, bool fallback) => options.String(name) switch
    {
        null => fallback,
        "true" => true,
        "false" => false,
        var other => throw new CommandLineException($"--{name} expects true or false, got '{other}'."),
    };
}
