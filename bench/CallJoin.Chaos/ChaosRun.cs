using System.Diagnostics;
using System.Globalization;
using CallJoin.ClickHouse.Schema;
using CallJoin.Core;
using CallJoin.EmbeddedClickHouse;
using CallJoin.EmbeddedKafka;
using CallJoin.Publishing;
using CallJoin.Workload;
using ClickHouse.Driver;

namespace CallJoin.Chaos;

/// <summary>
/// One chaos run: the embedded broker and ClickHouse, 2–3 <c>calljoin run</c> processes in one consumer group, a
/// workload published in real time, and faults applied one after another (kills, broker errors and outages, a
/// ClickHouse outage, instances joining and leaving); then what landed is checked against the workload.
/// </summary>
/// <remarks>
/// Each fault waits for what makes it certain rather than racing: rows landing since the previous fault before it is
/// applied, and the group settled again (every partition read by exactly one live member) after it. Every wait is
/// bounded by <see cref="ChaosOptions.WaitBound"/> and fails with a <see cref="ChaosException"/> saying what did not
/// happen. The run owns its folder (engine data, service state and logs), kept when the run fails.
/// </remarks>
public sealed partial class ChaosRun : IAsyncDisposable
{
    private const string Database = "chaos";
    private const string GroupId = "calljoin-chaos";

    private readonly ChaosOptions _options;
    private readonly string _directory;
    private readonly Lock _gate = new();
    private readonly List<ServiceProcess> _live = [];
    private readonly List<ServicePeak> _ended = [];
    private readonly List<string> _notes = [];
    private readonly Dictionary<string, int> _starts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _selfExits = new(StringComparer.Ordinal);
    private readonly Random _random;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private EmbeddedBroker? _broker;
    private EmbeddedClickHouseServer? _clickHouse;
    private ClickHouseClient? _client;
    private Dictionary<string, string> _environment = [];
    private ChaosFaults _faults = new();

    private ChaosRun(ChaosOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
        _directory = Path.Combine(Path.GetTempPath(), $"calljoin-chaos-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Runs the whole scenario and returns its report (also written to <see cref="ChaosOptions.ResultsDirectory"/>).</summary>
    /// <exception cref="ChaosException">A wait ran out before the run could be checked; the message says which.</exception>
    public static async Task<ChaosReport> RunAsync(ChaosOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!File.Exists(options.ServiceDll))
        {
            throw new ChaosException($"the service build {options.ServiceDll} does not exist");
        }

        var run = new ChaosRun(options);
        await using (run.ConfigureAwait(false))
        {
            var report = await run.ExecuteAsync(ct).ConfigureAwait(false);
            if (options.ResultsDirectory is { } results)
            {
                report.WriteTo(results, options.ResultsName);
            }

            run.KeepFolder = !report.Passed;
            return report;
        }
    }

    /// <summary>Keep the run's folder (logs, data) for a look after a failure.</summary>
    private bool KeepFolder { get; set; } = true;

    private async Task<ChaosReport> ExecuteAsync(CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        await StartEnginesAsync(ct).ConfigureAwait(false);
        for (var i = 0; i < _options.Instances; i++)
        {
            StartService(Slot(i));
        }

        await WaitForGroupAsync("the first members joined", ct).ConfigureAwait(false);

        // Record time starts now: the services' stream time follows the wall clock, as in production.
        var workload = new WeaveWorkload(_options.Workload(DateTimeOffset.UtcNow.AddSeconds(1)));
        Log($"workload: {workload.Expected}");
        var publisher = new PacedPublisher(workload, new PublisherOptions
        {
            BootstrapServers = _broker!.BootstrapServers,
            MaxInFlight = 50_000,
            DeliveryTimeout = TimeSpan.FromMinutes(5),

            // A request in flight to a broker that goes down hangs until the socket timeout (60 s by default), then
            // is retried: 10 s keeps the halves it carries from arriving a minute late.
            Settings = new Dictionary<string, string>(StringComparer.Ordinal) { ["socket.timeout.ms"] = "10000" },
        }, TimeProvider.System);
        using var stopMonitor = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var stopPublishing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var publishing = publisher.RunAsync(stopPublishing.Token);
        var monitoring = MonitorAsync(publisher, workload.Expected, stopMonitor.Token);
        try
        {
            long landed = 0;
            foreach (var step in FaultPlan.For(_options))
            {
                await WaitForPublishedAsync(publisher, publishing, step.At, ct).ConfigureAwait(false);
                landed = await WaitForProgressAsync(landed, publisher, step, ct).ConfigureAwait(false);
                await ApplyAsync(step, ct).ConfigureAwait(false);
            }

            await publishing.ConfigureAwait(false);
            Log($"published all {publisher.Published:N0} messages ({publisher.Acknowledged:N0} acknowledged, {publisher.Failed:N0} failed)");
            await SettleAsync(workload.Expected, ct).ConfigureAwait(false);
        }
        finally
        {
            // A fault that failed leaves publishing running: stop it before the engines go away.
            await stopPublishing.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(publishing).ConfigureAwait(false);
            await stopMonitor.CancelAsync().ConfigureAwait(false);
            await monitoring.ConfigureAwait(false);
        }

        await StopServicesAsync().ConfigureAwait(false);
        return await TallyAsync(workload, publisher, startedAt, ct).ConfigureAwait(false);
    }

    private async Task StartEnginesAsync(CancellationToken ct)
    {
        _broker = EmbeddedBroker.Start();
        _broker.CreateTopic(WeaveTopics.CallStarted, _options.Partitions);
        _broker.CreateTopic(WeaveTopics.CallEnded, _options.Partitions);
        _clickHouse = await EmbeddedClickHouseServer.StartAsync(new EmbeddedClickHouseOptions { DataPath = Path.Combine(_directory, "clickhouse") }, ct).ConfigureAwait(false);
        _client = new ClickHouseClient(_clickHouse.ConnectionString);

        // Migrated once here, so the members starting together do not race to create the tables.
        await new SchemaMigrator(_client, Database).MigrateAsync(ct: ct).ConfigureAwait(false);
        Log($"broker {_broker.BootstrapServers} ({_options.Partitions} partitions per topic), ClickHouse {_clickHouse.Endpoint}, folder {_directory}");
        var seconds = (TimeSpan t) => t.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CALLJOIN_KAFKA_BOOTSTRAP"] = _broker.BootstrapServers,
            ["CALLJOIN_CLICKHOUSE"] = _clickHouse.ConnectionString,
            ["WF_CLICKHOUSE_DATABASE"] = Database,
            ["CALLJOIN__KAFKA__OWNERSHIP"] = "group",
            ["CALLJOIN__KAFKA__GROUPID"] = GroupId,

            // Dynamic members, whatever this machine's hostname: members on one host must not share a static name.
            ["CALLJOIN__KAFKA__GROUPINSTANCEID"] = "",

            // The mock's classic coordinator waits about the session timeout on every rebalance: short, but with
            // heartbeats well under a third of it so a loaded machine does not evict a live member.
            ["CALLJOIN__KAFKA__SETTINGS__session.timeout.ms"] = "6000",
            ["CALLJOIN__KAFKA__SETTINGS__heartbeat.interval.ms"] = "1000",
            ["CALLJOIN__KAFKA__SETTINGS__max.poll.interval.ms"] = "60000",
            ["CALLJOIN__KAFKA__SETTINGS__socket.timeout.ms"] = "10000",
            ["CALLJOIN__JOIN__STARTTIMEOUT"] = seconds(_options.JoinTimeout),
            ["CALLJOIN__JOIN__ENDTIMEOUT"] = seconds(_options.JoinTimeout),
            ["CALLJOIN__JOIN__STARTRETENTION"] = seconds(_options.JoinRetention),
            ["CALLJOIN__JOIN__ENDRETENTION"] = seconds(_options.JoinRetention),
            ["CALLJOIN__JOIN__IDLEADVANCEAFTER"] = "1",
            ["CALLJOIN__STATE__MEMORYBUDGETMIB"] = "32",
            ["CALLJOIN__STATE__INDEXSIZEMIB"] = "4",
            ["CALLJOIN__SINK__MAXBATCHMIB"] = "8",
            ["CALLJOIN__SINK__MAXBUFFEREDMIB"] = "32",
            ["CALLJOIN__DRAINTIMEOUT"] = "15",
            ["WF_CALL_COMPLETION_WORKER_BATCH_TIMEOUT"] = "0.5",
            ["Logging__LogLevel__Default"] = "Warning",
        };
    }

    private static string Slot(int i) => ((char)('a' + i)).ToString();

    private ServiceProcess StartService(string slot)
    {
        var number = _starts[slot] = _starts.GetValueOrDefault(slot) + 1;
        var service = ServiceProcess.Start($"{slot}#{number}", _options.ServiceDll, _environment, _directory);
        lock (_gate)
        {
            _live.Add(service);
        }

        _faults = _faults with { ServiceStarts = _faults.ServiceStarts + 1 };
        return service;
    }

    private void Retire(ServiceProcess service, string how)
    {
        service.SamplePeak();
        lock (_gate)
        {
            _live.Remove(service);
        }

        _ended.Add(new ServicePeak(service.Name, service.PeakBytes, how));
        service.Dispose();
    }

    /// <summary>The running services now (the monitor reads them while faults change them).</summary>
    private ServiceProcess[] Live()
    {
        lock (_gate)
        {
            return [.. _live];
        }
    }

    private async Task StopServicesAsync()
    {
        foreach (var service in Live())
        {
            var exit = await service.StopAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            Retire(service, exit is { } code ? $"stopped at the end (exit {code})" : "did not stop within 60 s (killed)");
            if (exit is not 0)
            {
                _notes.Add($"service {service.Name} did not stop cleanly at the end (exit {exit?.ToString(CultureInfo.InvariantCulture) ?? "none: killed"})");
            }
        }
    }

    /// <summary>Samples memory every second and prints progress every few seconds until cancelled.</summary>
    private async Task MonitorAsync(PacedPublisher publisher, WorkloadExpectation expected, CancellationToken ct)
    {
        var lastLine = TimeSpan.Zero;
        try
        {
            while (true)
            {
                foreach (var service in Live())
                {
                    service.SamplePeak();
                }

                if (_clock.Elapsed - lastLine >= TimeSpan.FromSeconds(_options.Calls >= 100_000 ? 15 : 5))
                {
                    lastLine = _clock.Elapsed;
                    var rows = await TryCountAsync($"SELECT count() FROM {Database}.calls_complete", ct).ConfigureAwait(false);
                    Log($"published {publisher.Published:N0}/{expected.Messages:N0}, rows written {rows?.ToString("N0", CultureInfo.InvariantCulture) ?? "(ClickHouse unreachable)"}, "
                        + $"members {string.Join(' ', Live().Select(s => s.Name))}");
                }

                await Task.Delay(1000, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private void Log(string line) =>
        _options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"chaos {_clock.Elapsed.TotalSeconds,6:F1}s  {line}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Live())
        {
            Retire(service, "killed at dispose");
        }

        _client?.Dispose();
        if (_clickHouse is not null)
        {
            await _clickHouse.DisposeAsync().ConfigureAwait(false);
        }

        _broker?.Dispose();
        if (!KeepFolder)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless.
            }
        }
        else
        {
            Log($"kept the run's folder (logs, data): {_directory}");
        }
    }
}
