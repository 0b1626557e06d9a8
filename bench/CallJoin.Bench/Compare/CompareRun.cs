using System.Diagnostics;
using CallJoin.Core;
using CallJoin.Core.Halves;
using CallJoin.Dumps;
using CallJoin.EmbeddedClickHouse;
using CallJoin.EmbeddedKafka;
using CallJoin.Publishing;
using CallJoin.Workload;
using ClickHouse.Driver;
using Confluent.Kafka;

namespace CallJoin.Bench.Compare;

/// <summary>
/// One compare run: for each data variant a fresh broker with the workload published to it and a dump of it, then every
/// contender in turn on the same machine (never two at once), against one embedded ClickHouse; the report of it all.
/// </summary>
/// <remarks>
/// The embedded broker keeps at most 5 MiB per partition and drops older data silently, so each variant gets enough
/// partitions to stay far below that, and the low watermarks are checked after publishing: a variant whose broker
/// dropped anything is invalid, and every contender on it is reported incorrect with that note.
/// </remarks>
internal sealed class CompareRun
{
    /// <summary>Average bytes per partition the partition count aims at; skew and large payloads stay under 4 MiB.</summary>
    private const long PartitionBudgetBytes = 2_500_000;

    private readonly CompareOptions _options;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private CompareRun(CompareOptions options) => _options = options;

    /// <summary>The contenders, in the order they run on each variant (the read queries last: they read what others wrote).</summary>
    public static IReadOnlyList<ICompareContender> Contenders { get; } =
    [
        new RawConsumeContender(),
        new Option1WorkerContender(),
        new MergedViewContender(),
        new ServiceContender(discard: true),
        new ServiceContender(discard: false),
        new ReplayContender(jsonl: true),
        new ReplayContender(jsonl: false),
        new StreamizContender(),
        new StreamizInProcessContender(),
        new ReadQueryContender(merged: true),
        new ReadQueryContender(merged: false),
    ];

    /// <summary>Runs everything and returns the report (written to <see cref="CompareOptions.ResultsDirectory"/> when set).</summary>
    public static async Task<CompareReport> RunAsync(CompareOptions options, CancellationToken ct = default)
    {
        if (!File.Exists(options.ServiceDll))
        {
            throw new FileNotFoundException($"the service build {options.ServiceDll} does not exist", options.ServiceDll);
        }

        var report = await new CompareRun(options).ExecuteAsync(ct);
        if (options.ResultsDirectory is { } results)
        {
            report.WriteTo(results, options.ResultsName);
        }

        return report;
    }

    private async Task<CompareReport> ExecuteAsync(CancellationToken ct)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"calljoin-compare-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        System.IO.Directory.CreateDirectory(folder);
        var variants = new[]
        {
            // Compact halves and no 5 KB+ payloads: a few hundred bytes per message.
            ("small", new WorkloadOptions { Calls = _options.SmallCalls, CompactHalves = true, MediumPayloads = 0, LargePayloads = 0 }),
            ("default", new WorkloadOptions { Calls = _options.DefaultCalls }),
        };
        var results = new List<ContenderResult>();
        var parameters = new List<VariantParameters>();
        var invalid = new List<string>();
        var passed = false;
        try
        {
            var clickHouse = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = Path.Combine(folder, "clickhouse") }, ct);
            await using (clickHouse)
            {
                using var client = new ClickHouseClient(clickHouse.ConnectionString);
                foreach (var (variant, workload) in variants)
                {
                    if (_options.Variants is { } only && !only.Contains(variant))
                    {
                        continue;
                    }

                    var (variantResults, variantParameters, problem) = await RunVariantAsync(variant, workload, clickHouse, client, folder, ct);
                    results.AddRange(variantResults);
                    parameters.Add(variantParameters);
                    if (problem is not null)
                    {
                        invalid.Add($"{variant}: {problem}");
                    }
                }
            }

            passed = results.All(r => r.Correct || !r.Ran) && invalid.Count == 0;
        }
        finally
        {
            if (passed)
            {
                TryDelete(folder);
            }
            else
            {
                Log($"kept the run's folder (logs, data): {folder}");
            }
        }

        return new CompareReport(DateTimeOffset.UtcNow, _options.Quick, Environment.ProcessorCount, parameters, results, invalid);
    }

    private async Task<(List<ContenderResult> Results, VariantParameters Parameters, string? Invalid)> RunVariantAsync(
        string variant, WorkloadOptions workloadOptions, EmbeddedClickHouseServer clickHouse, ClickHouseClient client, string folder, CancellationToken ct)
    {
        var directory = Path.Combine(folder, variant);
        System.IO.Directory.CreateDirectory(directory);
        var workload = new WeaveWorkload(workloadOptions);
        var events = workload.Events().ToList();
        long startBytes = 0, endBytes = 0;
        foreach (var e in events)
        {
            _ = e.Side == CallSide.Start ? startBytes += e.Key.Length + e.Payload.Length : endBytes += e.Key.Length + e.Payload.Length;
        }

        var partitions = (int)Math.Clamp((Math.Max(startBytes, endBytes) + PartitionBudgetBytes - 1) / PartitionBudgetBytes, 4, 512);
        Log($"{variant}: {workload.Expected}; {(startBytes + endBytes) / 1e6:F1} MB, {partitions} partitions per topic");

        using var broker = EmbeddedBroker.Start();
        broker.CreateTopic(WeaveTopics.CallStarted, partitions);
        broker.CreateTopic(WeaveTopics.CallEnded, partitions);
        var dumpPath = Path.Combine(directory, "both-topics.jsonl");
        await PublishAsync(broker.BootstrapServers, events, ct);
        WriteDump(dumpPath, events);
        var problem = CheckBroker(broker.BootstrapServers, partitions, workload.Expected);
        Log($"{variant}: published {events.Count:N0} messages; broker check: {problem ?? "kept everything"}");

        var data = new CompareData
        {
            Variant = variant,
            Options = _options,
            Workload = workload,
            Events = events,
            InputBytes = startBytes + endBytes,
            Partitions = partitions,
            Broker = broker,
            ClickHouse = clickHouse,
            Client = client,
            DumpPath = dumpPath,
            Directory = directory,
        };
        foreach (var contender in Contenders.Where(c => _options.Only?.Contains(c.Name) ?? true))
        {
            var result = await RunContenderAsync(contender, data, ct);
            if (problem is not null && result.Ran)
            {
                result = result with { Correct = false, Note = $"invalid run: {problem}; {result.Note}" };
            }

            data.Earlier.Add(result);
            Log($"{contender.Name}: {(result.Correct ? "ok" : result.Ran ? "INCORRECT" : "not run")}, {result.RecordsPerSecond?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "-"} records/s; {result.Note}");
        }

        var parameters = new VariantParameters(variant, workload.Expected.Calls, events.Count, startBytes + endBytes, partitions, workloadOptions.CompactHalves);
        return (data.Earlier, parameters, problem);
    }

    private async Task<ContenderResult> RunContenderAsync(ICompareContender contender, CompareData data, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(_options.ContenderBound);
        try
        {
            return await contender.RunAsync(data, bound.Token);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return ContenderResult.Failed(contender.Name, data.Variant, $"did not finish within {_options.ContenderBound.TotalSeconds:F0} s");
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            return ContenderResult.Failed(contender.Name, data.Variant, $"failed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static async Task PublishAsync(string bootstrap, List<WorkloadEvent> events, CancellationToken ct)
    {
        using var publisher = new CallPublisher(new PublisherOptions { BootstrapServers = bootstrap, MaxInFlight = 50_000 });
        foreach (var e in events)
        {
            await publisher.PublishAsync(e.Side, e.Key, e.Payload, e.TimestampMillis, ct);
        }

        await publisher.FlushAsync(ct);
    }

    /// <summary>The dump `calljoin record` would have written: both topics, offsets per topic in publish order (one partition each).</summary>
    private static void WriteDump(string path, List<WorkloadEvent> events)
    {
        using var writer = DumpWriter.Create(path, gzip: false);
        long starts = 0, ends = 0;
        foreach (var e in events)
        {
            var (topic, offset) = e.Side == CallSide.Start ? (WeaveTopics.CallStarted, starts++) : (WeaveTopics.CallEnded, ends++);
            writer.Write(topic, 0, offset, e.TimestampMillis, e.Key, hasKey: true, e.Payload, hasPayload: true);
        }
    }

    /// <summary>Null when both topics hold every message from offset 0; otherwise what the broker lost.</summary>
    private static string? CheckBroker(string bootstrap, int partitions, WorkloadExpectation expected)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "compare-check" }).Build();
        var problems = new List<string>();
        foreach (var (topic, count) in new[] { (WeaveTopics.CallStarted, expected.Starts), (WeaveTopics.CallEnded, expected.Ends) })
        {
            long total = 0;
            var trimmed = 0;
            for (var p = 0; p < partitions; p++)
            {
                var marks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10));
                total += marks.High.Value;
                trimmed += marks.Low.Value > 0 ? 1 : 0;
            }

            if (trimmed > 0 || total != count)
            {
                problems.Add($"{topic} holds {total:N0} of {count:N0} messages, {trimmed} partitions trimmed");
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private void Log(string line) => _options.Log?.Invoke($"compare {_clock.Elapsed.TotalSeconds,6:F1}s  {line}");

    private static void TryDelete(string folder)
    {
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
