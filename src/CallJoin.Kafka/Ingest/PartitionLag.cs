using CallJoin.Core.Halves;

namespace CallJoin.Kafka.Ingest;

/// <summary>How far the ingest is behind the end of one partition: the high watermark minus the next offset to read.</summary>
public readonly record struct PartitionLag(CallSide Side, string Topic, int Partition, long Messages);
