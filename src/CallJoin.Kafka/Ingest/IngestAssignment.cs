namespace CallJoin.Kafka.Ingest;

/// <summary>The partitions an ingest currently reads, per topic, in ascending order.</summary>
public sealed record IngestAssignment(IReadOnlyList<int> StartPartitions, IReadOnlyList<int> EndPartitions)
{
    /// <summary>No partitions.</summary>
    public static IngestAssignment Empty { get; } = new([], []);
}
