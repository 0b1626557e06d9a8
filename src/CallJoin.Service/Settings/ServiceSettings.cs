using System.Net;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Join;
using CallJoin.Kafka.Ingest;
using CallJoin.Routing;
using CallJoin.State;

namespace CallJoin.Service.Settings;

/// <summary>Everything the service runs with, validated and immutable (see <see cref="ServiceSettingsLoader"/>).</summary>
public sealed record ServiceSettings
{
    /// <summary><c>ENABLE_CALL_COMPLETION_WORKER</c>: when false the service stays up and healthy but consumes nothing.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Kafka: bootstrap, topics, group, ownership, commit interval and client settings.</summary>
    public required IngestOptions Ingest { get; init; }

    /// <summary>ClickHouse: connection string and the database holding calls_complete.</summary>
    public required ClickHouseEndpoint ClickHouse { get; init; }

    /// <summary>Whether to apply the schema migrations at startup (idempotent).</summary>
    public bool Migrate { get; init; } = true;

    /// <summary>Batching, retries and memory bound of the ClickHouse sink (tables qualified with the database).</summary>
    public required SinkOptions Sink { get; init; }

    /// <summary>The join's timeouts and retentions.</summary>
    public JoinOptions Join { get; init; } = new() { LatePartners = LatePartnerSource.Lookup };

    /// <summary>After this long without input, stream time follows the wall clock so timeouts still fire.</summary>
    public TimeSpan IdleAdvanceAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How far ahead of the wall clock a record's timestamp may be: later ones are clamped to it, so one record from a
    /// client with a broken clock cannot move stream time ahead and time out every pending half.
    /// </summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A partition that is behind and yields nothing for this long (not paused) stops holding stream time back, so one
    /// stuck partition cannot freeze expiry for all the others.
    /// </summary>
    public TimeSpan PartitionIdleAfter { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The FASTER pending store; null keeps unmatched halves in process memory (tests, small replays).</summary>
    public PendingStoreOptions? State { get; init; }

    /// <summary>
    /// With the FASTER store and static ownership: how often the pending state is checkpointed with the positions read,
    /// which are then committed, so a restart resumes from the checkpoint instead of re-reading (zero turns it off).
    /// Group ownership always commits behind durable rows instead: its partitions move between members.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At a state checkpoint, the FASTER log is compacted once this many bytes are on disk and most are dead.</summary>
    public long CompactAboveBytes { get; init; } = 1L << 30;

    /// <summary>Address of the HTTP listener; null listens on every interface (IPv4 and IPv6), as a pod's probes need.</summary>
    public IPAddress? HttpAddress { get; init; }

    /// <summary>Port of the HTTP listener serving <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> (0: any free port).</summary>
    public int HttpPort { get; init; } = 8080;

    /// <summary>On shutdown or revoke, how long to wait for buffered rows to become durable before committing what is.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The query router's configuration at startup (reloaded later through <c>RoutingOptionsMonitor</c>).</summary>
    public RoutingOptions Routing { get; init; } = new();
}
