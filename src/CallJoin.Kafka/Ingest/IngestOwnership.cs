namespace CallJoin.Kafka.Ingest;

/// <summary>How an ingest decides which partitions it reads.</summary>
public enum IngestOwnership
{
    /// <summary>
    /// Replica <see cref="IngestOptions.Ordinal"/> of <see cref="IngestOptions.Replicas"/> owns the partitions p with
    /// p mod Replicas = Ordinal, of both topics; assigned directly, no group rebalancing (a StatefulSet).
    /// </summary>
    Static = 0,

    /// <summary>Kafka's consumer group assigns the partitions, with the range assignor to keep co-partitioning.</summary>
    Group = 1,
}
