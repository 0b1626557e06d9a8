using CallJoin.Core;

namespace CallJoin.Kafka.Ingest;

/// <summary>How <see cref="CoPartitionedIngest"/> reaches Kafka, which partitions it owns, and how it paces itself.</summary>
public sealed record IngestOptions
{
    /// <summary>The Kafka bootstrap list (see <see cref="KafkaEndpoint.FromEnvironment"/>).</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The consumer group: offsets are committed under it in both ownership modes.</summary>
    public string GroupId { get; init; } = "calljoin";

    /// <summary>The topic for call starts.</summary>
    public string StartTopic { get; init; } = WeaveTopics.CallStarted;

    /// <summary>The topic for call ends.</summary>
    public string EndTopic { get; init; } = WeaveTopics.CallEnded;

    /// <summary>Static assignment by ordinal, or the consumer group.</summary>
    public IngestOwnership Ownership { get; init; } = IngestOwnership.Group;

    /// <summary>This replica's ordinal k in static mode: it owns the partitions p with p mod <see cref="Replicas"/> = k.</summary>
    public int Ordinal { get; init; }

    /// <summary>The number of replicas N in static mode.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>
    /// Group ownership: <c>group.instance.id</c>, a stable name for this member (a StatefulSet pod's name). A member
    /// restarted under the same name within the session timeout gets its partitions back without a rebalance.
    /// </summary>
    public string? GroupInstanceId { get; init; }

    /// <summary>Static ownership: where to start reading each partition (a checkpoint's positions), instead of the committed offsets.</summary>
    public IReadOnlyList<PartitionPosition> StartPositions { get; init; } = [];

    /// <summary>How often the safe offsets are committed.</summary>
    public TimeSpan CommitInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a single poll waits; bounds how late a stop, commit or resume is noticed.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// <c>fetch.queue.backoff.ms</c>: librdkafka's default (1000) makes a fast consumer wait on a full local queue;
    /// 10–100 measured ~6x faster (see local-infrastructure.md).
    /// </summary>
    public int FetchQueueBackoffMs { get; init; } = 50;

    /// <summary><c>queued.max.messages.kbytes</c>: the prefetched bytes per partition held by the client (bounded memory).</summary>
    public int QueuedMaxMessagesKbytes { get; init; } = 65_536;

    /// <summary><c>max.partition.fetch.bytes</c>: the most one fetch returns per partition.</summary>
    public int MaxPartitionFetchBytes { get; init; } = 1 << 20;

    /// <summary>
    /// Pause when this many consumed offsets are held (not yet below a safe restart point) across partitions; resume at
    /// half. Bounds the ledger's memory (about 9 bytes each); the handler's own <see cref="IIngestHandler.IsBehind"/> pauses too.
    /// </summary>
    public long MaxHeldOffsets { get; init; } = 16_000_000;

    /// <summary>Further librdkafka settings (SASL, TLS, session timeout, any of the above), applied last.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
