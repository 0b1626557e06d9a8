namespace CallJoin.Chaos;

/// <summary>Whether the broker kept everything: what was published against what the topics hold.</summary>
public sealed record ChaosBrokerCheck
{
    public long StartsPublished { get; init; }

    public long EndsPublished { get; init; }

    /// <summary>Sum of the starts topic's high watermarks.</summary>
    public long StartsInTopic { get; init; }

    public long EndsInTopic { get; init; }

    public long FailedDeliveries { get; init; }

    /// <summary>Partitions whose low watermark is above 0: the mock dropped their oldest data (it keeps 5 MiB each).</summary>
    public int PartitionsTrimmed { get; init; }

    public long PayloadBytes { get; init; }

    /// <summary>The larger topic's payload over its partitions, plus a margin for uneven keys.</summary>
    public long MaxPartitionPayloadEstimate { get; init; }

    public double PublisherBehindSeconds { get; init; }
}
