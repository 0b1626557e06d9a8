using System.Globalization;
using System.Net;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Join;
using CallJoin.Kafka;
using CallJoin.Kafka.Ingest;
using CallJoin.State;
using Microsoft.Extensions.Configuration;

namespace CallJoin.Service.Settings;

/// <summary>
/// Builds <see cref="ServiceSettings"/> from configuration (appsettings.json, then environment variables): the upstream
/// names (<c>WF_KAFKA_BROKER_HOST</c>, <c>WF_CLICKHOUSE_*</c>, <c>ENABLE_CALL_COMPLETION_WORKER</c>,
/// <c>WF_CALL_COMPLETION_WORKER_BATCH_SIZE</c>/<c>_TIMEOUT</c>) and ours under the <c>CallJoin</c> section
/// (<c>CallJoin:Kafka:Ownership</c>, or <c>CALLJOIN__KAFKA__OWNERSHIP</c> in the environment).
/// </summary>
/// <remarks>Every problem is collected and reported at once in a <see cref="SettingsException"/>.</remarks>
public sealed partial class ServiceSettingsLoader
{
    private readonly IConfiguration _config;
    private readonly List<string> _problems = [];

    private ServiceSettingsLoader(IConfiguration config) => _config = config;

    /// <summary>Reads and validates the settings.</summary>
    /// <exception cref="SettingsException">Something is missing or out of range; the message says what and where.</exception>
    public static ServiceSettings Load(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ServiceSettingsLoader(config).Build();
    }

    private ServiceSettings Build()
    {
        var enabled = Bool("ENABLE_CALL_COMPLETION_WORKER", true);
        var kafka = Guard(() => KafkaEndpoint.FromEnvironment(k => _config[k]), KafkaEndpoint.Default);
        var clickHouse = Guard(() => ClickHouseEndpoint.FromEnvironment(k => _config[k]), ClickHouseEndpoint.Default);
        var ingest = BuildIngest(kafka.BootstrapServers);
        var sink = BuildSink(clickHouse.Database);
        var join = new JoinOptions
        {
            StartTimeout = Duration("CallJoin:Join:StartTimeout", TimeSpan.FromMinutes(5)),
            StartRetention = Duration("CallJoin:Join:StartRetention", TimeSpan.FromDays(7)),
            EndTimeout = Duration("CallJoin:Join:EndTimeout", TimeSpan.FromMinutes(5)),
            EndRetention = Duration("CallJoin:Join:EndRetention", TimeSpan.FromDays(1)),
            CompletedRetention = Duration("CallJoin:Join:CompletedRetention", TimeSpan.FromHours(1)),
            LatePartners = Choice("CallJoin:Join:LatePartners", LatePartnerSource.Lookup),
        };
        var settings = new ServiceSettings
        {
            Enabled = enabled,
            Ingest = ingest,
            ClickHouse = clickHouse,
            Migrate = Bool("CallJoin:ClickHouse:Migrate", true),
            Sink = sink,
            Join = join,
            IdleAdvanceAfter = Duration("CallJoin:Join:IdleAdvanceAfter", TimeSpan.FromSeconds(5)),
            MaxClockSkew = Duration("CallJoin:Join:MaxClockSkew", TimeSpan.FromMinutes(1)),
            PartitionIdleAfter = Duration("CallJoin:Join:PartitionIdleAfter", TimeSpan.FromMinutes(1)),
            State = BuildState(),
            HttpAddress = Address("CallJoin:Http:Address"),
            HttpPort = Int("CallJoin:Http:Port", 8080, 0, 65_535),
            CheckpointInterval = Duration("CallJoin:State:CheckpointInterval", TimeSpan.FromSeconds(30)),
            CompactAboveBytes = Int("CallJoin:State:CompactAboveMiB", 1024, 0, 1 << 20) * 1024L * 1024,
            DrainTimeout = Duration("CallJoin:DrainTimeout", TimeSpan.FromSeconds(20)),
            Routing = BuildRouting(),
        };
        Guard(() => { sink.Validate(); return 0; }, 0);
        if (sink.Discard && join.LatePartners == LatePartnerSource.Lookup)
        {
            // Lookups would look for rows that were never written and complete nothing.
            _problems.Add("CallJoin:Sink:Discard needs CallJoin:Join:LatePartners=RetainedState: a discarding sink writes nothing to look up.");
        }

        Guard(() => { join.Validate(); return 0; }, 0);
        if (_problems.Count > 0)
        {
            throw new SettingsException("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, _problems.Select(p => " - " + p)));
        }

        return settings;
    }

    private IngestOptions BuildIngest(string bootstrap)
    {
        var ownership = Choice("CallJoin:Kafka:Ownership", IngestOwnership.Group);
        var replicas = Int("CallJoin:Kafka:Replicas", 1, 1, 100_000);
        var ordinal = 0;
        if (ownership == IngestOwnership.Static)
        {
            ordinal = _config["CallJoin:Kafka:Ordinal"] is { Length: > 0 }
                ? Int("CallJoin:Kafka:Ordinal", 0, 0, 100_000)
                : replicas == 1 ? 0 : OrdinalFromHostName();
            if (ordinal >= replicas)
            {
                _problems.Add($"CallJoin:Kafka:Ordinal ({ordinal}) must be below CallJoin:Kafka:Replicas ({replicas}).");
            }
        }

        var settings = _config.GetSection("CallJoin:Kafka:Settings").GetChildren()
            .Where(c => c.Value is not null)
            .ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        var start = Text("CallJoin:Kafka:StartTopic", Core.WeaveTopics.CallStarted);
        var end = Text("CallJoin:Kafka:EndTopic", Core.WeaveTopics.CallEnded);
        if (string.Equals(start, end, StringComparison.Ordinal))
        {
            _problems.Add($"CallJoin:Kafka:StartTopic and EndTopic must differ (both are '{start}').");
        }

        return new IngestOptions
        {
            BootstrapServers = bootstrap,
            GroupId = Text("CallJoin:Kafka:GroupId", "calljoin"),
            StartTopic = start,
            EndTopic = end,
            Ownership = ownership,
            Ordinal = ordinal,
            Replicas = replicas,
            GroupInstanceId = ownership == IngestOwnership.Group ? GroupInstanceId() : null,
            CommitInterval = Duration("CallJoin:Kafka:CommitInterval", TimeSpan.FromSeconds(1)),
            Settings = settings,
        };
    }

    private SinkOptions BuildSink(string database)
    {
        var rows = Int("WF_CALL_COMPLETION_WORKER_BATCH_SIZE", 50_000, 1, 10_000_000);
        var delay = Duration("WF_CALL_COMPLETION_WORKER_BATCH_TIMEOUT", TimeSpan.FromSeconds(1));
        return new SinkOptions
        {
            MaxBatchRows = Int("CallJoin:Sink:MaxBatchRows", rows, 1, 10_000_000),
            MaxBatchDelay = Duration("CallJoin:Sink:MaxBatchDelay", delay),
            MaxBatchBytes = Int("CallJoin:Sink:MaxBatchMiB", 64, 1, 1024) * 1024 * 1024,
            MaxParallelInserts = Int("CallJoin:Sink:MaxParallelInserts", 2, 1, 64),
            MaxBufferedBytes = Int("CallJoin:Sink:MaxBufferedMiB", 256, 1, 1 << 20) * 1024L * 1024,
            Gzip = Bool("CallJoin:Sink:Gzip", true),
            Discard = Bool("CallJoin:Sink:Discard", false),
            MaxPartitionsPerInsert = Int("CallJoin:Sink:MaxPartitionsPerInsert", 100, 1, 100_000),
            Database = database,
        };
    }

    private PendingStoreOptions? BuildState()
    {
        var store = Text("CallJoin:State:Store", "faster");
        if (string.Equals(store, "memory", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!string.Equals(store, "faster", StringComparison.OrdinalIgnoreCase))
        {
            _problems.Add($"CallJoin:State:Store must be 'faster' or 'memory', got '{store}'.");
            return null;
        }

        var options = new PendingStoreOptions
        {
            Directory = Text("CallJoin:State:Directory", Path.Combine(Environment.CurrentDirectory, ".calljoin", "state")),
            MemoryBudgetBytes = Int("CallJoin:State:MemoryBudgetMiB", 256, 1, 1 << 20) * 1024L * 1024,
            IndexSizeBytes = Int("CallJoin:State:IndexSizeMiB", 16, 1, 1 << 16) * 1024L * 1024,
        };
        Guard(() => { options.Validate(); return 0; }, 0);
        return options;
    }

    /// <summary>
    /// Static group membership: the configured name, else a StatefulSet pod's own name (stable across restarts), else
    /// none (a dynamic member; a random pod name would leave a ghost member behind each restart for the session timeout).
    /// </summary>
    private string? GroupInstanceId()
    {
        if (_config["CallJoin:Kafka:GroupInstanceId"] is { } configured)
        {
            return configured.Length > 0 ? configured : null;
        }

        var host = _config["HOSTNAME"] ?? Environment.MachineName;
        var dash = host.LastIndexOf('-');
        return dash > 0 && int.TryParse(host.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out _) ? host : null;
    }

    /// <summary>A StatefulSet pod is named <c>NAME-ORDINAL</c>; its hostname carries the ordinal.</summary>
    private int OrdinalFromHostName()
    {
        var host = _config["HOSTNAME"] ?? Environment.MachineName;
        var dash = host.LastIndexOf('-');
        if (dash >= 0 && int.TryParse(host.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
        {
            return ordinal;
        }

        _problems.Add($"CallJoin:Kafka:Ordinal is not set and the hostname '{host}' does not end in -N (a StatefulSet pod name); set it for static ownership.");
        return 0;
    }

    private string Text(string key, string fallback) => _config[key] is { Length: > 0 } v ? v.Trim() : fallback;

    private bool Bool(string key, bool fallback)
    {
        var text = _config[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        switch (text.Trim().ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on":
                return true;
            case "false" or "0" or "no" or "off":
                return false;
            default:
                _problems.Add($"{key} must be true or false, got '{text}'.");
                return fallback;
        }
    }

    private int Int(string key, int fallback, int min, int max)
    {
        var text = _config[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            _problems.Add($"{key} must be a whole number from {min} to {max}, got '{text}'.");
            return fallback;
        }

        return value;
    }

    /// <summary>An IP address to listen on, <c>localhost</c> for loopback; null (every interface) when unset or <c>*</c>.</summary>
    private IPAddress? Address(string key)
    {
        var text = _config[key]?.Trim();
        if (string.IsNullOrEmpty(text) || text == "*")
        {
            return null;
        }

        if (string.Equals(text, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(text.Trim('[', ']'), out var address))
        {
            return address;
        }

        _problems.Add($"{key} must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::), localhost or *, got '{text}'.");
        return null;
    }

    /// <summary>A duration as seconds (<c>2.5</c>) or a .NET time span (<c>00:05:00</c>, <c>7.00:00:00</c>).</summary>
    private TimeSpan Duration(string key, TimeSpan fallback)
    {
        var text = _config[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        _problems.Add($"{key} must be a duration in seconds (e.g. 2.5) or d.hh:mm:ss, got '{text}'.");
        return fallback;
    }

    private TEnum Choice<TEnum>(string key, TEnum fallback)
        where TEnum : struct, Enum
    {
        var text = _config[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (Enum.TryParse<TEnum>(text.Trim(), ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, CultureInfo.InvariantCulture, out _))
        {
            return value;
        }

        _problems.Add($"{key} must be one of {string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}, got '{text}'.");
        return fallback;
    }

    private T Guard<T>(Func<T> read, T fallback)
    {
        try
        {
            return read();
        }
        catch (ArgumentException ex)
        {
            _problems.Add(ex.Message);
            return fallback;
        }
    }
}
