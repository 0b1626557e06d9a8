using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
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
    /// <summary>The <c>replay</c> command.</summary>
    public static Command Create()
    {
        var dumps = new Argument<string[]>("DUMP") { Description = "kcat -J dumps, plain or gzip", Arity = ArgumentArity.OneOrMore };
        dumps.Validators.Add(r =>
        {
            foreach (var path in r.Tokens.Select(t => t.Value).Where(p => !File.Exists(p)))
            {
                r.AddError($"no such dump file: {path}");
            }
        });
        var sink = CliOptions.Text("--sink", "clickhouse|jsonl:PATH", """
            clickhouse: into calls_complete and calljoin_errors of the configured database (migrated first);
            jsonl:PATH: one JSON object per line, rows with the calls_complete columns, error records with the
            calljoin_errors columns ('-' for standard output)
            """, "clickhouse");
        sink.Validators.Add(r =>
        {
            if (r.ValidValue(sink) is { } value && value != "clickhouse" && !value.StartsWith("jsonl:", StringComparison.Ordinal))
            {
                r.AddError($"--sink must be 'clickhouse' or 'jsonl:PATH', got '{value}'.");
            }
        });
        var drain = CliOptions.Bool("--drain", true, "apply every remaining timeout at the end of input (false keeps pending halves unwritten)");
        var startTopic = CliOptions.Text("--start-topic", "T", "the topic of call starts in the dumps", WeaveTopics.CallStarted);
        var endTopic = CliOptions.Text("--end-topic", "T", "the topic of call ends in the dumps", WeaveTopics.CallEnded);
        var state = CliOptions.Text("--state", "DIR", "keep pending halves in a FASTER store there (default: in memory)");
        var stateMib = CliOptions.Int("--state-mib", 256, "the FASTER store's memory budget in MiB (per engine)", min: 1);
        var threads = CliOptions.Int("--threads", Environment.ProcessorCount,
            "join engines, one per thread, records by partition % N (jsonl sink; the clickhouse sink uses one); the same output for every N", min: 1, max: 256);
        var defaults = new JoinOptions();
        var startTimeout = CliOptions.Int("--start-timeout", (int)defaults.StartTimeout.TotalSeconds, "seconds a start waits for its end before its running row", min: 0);
        var endTimeout = CliOptions.Int("--end-timeout", (int)defaults.EndTimeout.TotalSeconds, "seconds an end waits for its start before start_missing", min: 0);
        var clickHouse = new ClickHouseOptions();
        var command = new Command("replay", """
            replay kcat -J dumps through the join engine into ClickHouse or a JSONL file

            Replays dumps in kcat's -J line format (plain or gzip; several are merged by record time) through the same
            join engine as the service. Stream time comes from the records, so the same dumps always give the same rows
            in the same order. At the end of input every remaining timeout is applied (--drain false keeps pending
            halves unwritten). Into JSONL, --threads N engines join on N threads, partition p going to engine p % N;
            their lines are merged back into one engine's order, so the output is the same bytes for every N. ClickHouse: CALLJOIN_CLICKHOUSE or WF_CLICKHOUSE_* and WF_CLICKHOUSE_DATABASE.
            """) { dumps, sink, drain, threads, startTopic, endTopic, state, stateMib, startTimeout, endTimeout };
        clickHouse.AddTo(command);
        command.SetAction((parse, stop) => RunAsync(new Replay(
            parse.GetRequiredValue(dumps), parse.GetValue(sink)!, parse.GetValue(drain), parse.GetValue(startTopic)!, parse.GetValue(endTopic)!,
            parse.GetValue(state), parse.GetValue(stateMib), parse.GetValue(threads),
            defaults with { StartTimeout = TimeSpan.FromSeconds(parse.GetValue(startTimeout)), EndTimeout = TimeSpan.FromSeconds(parse.GetValue(endTimeout)) },
            clickHouse.Resolve(parse)), stop));
        return command;
    }

    private static async Task<int> RunAsync(Replay options, CancellationToken stop)
    {
        var (dumps, sink, drain, startTopic, endTopic, stateDir, stateMib, threads, join, endpoint) = options;
        var jsonl = sink.StartsWith("jsonl:", StringComparison.Ordinal);
        var stores = new List<IPendingStore>();
        using var disposeStores = new StoresDisposal(stores);
        for (var i = 0; i < (jsonl ? threads : 1); i++)
        {
            // One FASTER store per engine, each in its own directory.
            stores.Add(stateDir is null
                ? new InMemoryPendingStore()
                : new FasterPendingStore(new PendingStoreOptions
                {
                    Directory = threads == 1 || !jsonl ? stateDir : Path.Combine(stateDir, $"engine-{i}"),
                    MemoryBudgetBytes = stateMib * 1024L * 1024,
                    DeleteOnDispose = true,
                }));
        }

        var files = new List<FileStream>();
        foreach (var path in dumps)
        {
            files.Add(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan));
        }

        using var input = new DumpMerge([.. files.Select((file, i) => new DumpReader(file, dumps[i]))]);
        var progress = new ReplayDisplay(files);
        ReplaySummary summary;
        IReadOnlyDictionary<string, long> byReason;
        if (jsonl)
        {
            var path = sink["jsonl:".Length..];
            using var stream = path == "-" ? Console.OpenStandardOutput() : File.Create(path, 1 << 20);
            var result = await JsonlReplay.RunAsync(input, stream, stores, join, startTopic, endTopic, drain, progress.Malformed, progress, stop).ConfigureAwait(false);
            summary = result.Summary;
            byReason = result.ErrorsByReason;
        }
        else
        {
            using var client = new ClickHouseClient(endpoint.ConnectionString);
            await new SchemaMigrator(client, endpoint.Database).MigrateAsync(ct: stop).ConfigureAwait(false);
            await using var clickHouse = new ClickHouseSink(client, new SinkOptions { Database = endpoint.Database, StartTopic = startTopic, EndTopic = endTopic });
            var output = new CountingOutput<ClickHouseSinkOutput>(new ClickHouseSinkOutput(clickHouse));
            var engine = new JoinEngine<CountingOutput<ClickHouseSinkOutput>>(stores[0], join, output);
            summary = await DumpReplay.RunAsync(input, engine, startTopic, endTopic, drain, () => clickHouse.WaitForCapacityAsync(stop),
                progress.Malformed, progress, () => (output.Rows, output.Errors), stop).ConfigureAwait(false);
            var completing = Stopwatch.StartNew();
            await clickHouse.CompleteAsync(stop).ConfigureAwait(false);
            summary = summary with { Elapsed = summary.Elapsed + completing.Elapsed };   // until every row is durable
            byReason = output.ErrorsByReason;
        }

        progress.Finish();
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

    /// <summary>The values of one replay's options.</summary>
    private sealed record Replay(string[] Dumps, string Sink, bool Drain, string StartTopic, string EndTopic, string? StateDir, int StateMib,
        int Threads, JoinOptions Join, ClickHouseEndpoint Endpoint);

    /// <summary>Disposes the engines' stores at the end of the replay.</summary>
    private sealed class StoresDisposal(List<IPendingStore> stores) : IDisposable
    {
        public void Dispose()
        {
            foreach (var store in stores)
            {
                store.Dispose();
            }
        }
    }

    /// <summary>Replay's progress (records, against the bytes read of the dumps' total size) and its malformed-line notes.</summary>
    private sealed class ReplayDisplay(IReadOnlyList<FileStream> files) : IProgress<ReplayProgress>
    {
        private readonly long _total = files.Sum(f => f.Length);
        private readonly ConsoleProgress _display = ConsoleProgress.OnStandardError("replay", "records");

        // Called on the replay's own thread, the one reading the files, so their positions are safe to read.
        public void Report(ReplayProgress value) =>
            _display.Update(value.Records, files.Sum(f => f.Position), _total,
                string.Create(CultureInfo.InvariantCulture, $"{value.Rows:N0} rows, {value.Errors:N0} errors"));

        public void Malformed(DumpReader reader) =>
            _display.Line($"replay: {reader.Name}:{reader.LineNumber}: skipped, not a record: {reader.Error}");

        public void Finish() => _display.Finish();
    }
}
