using CallJoin.Core.Halves;

namespace CallJoin.Kafka.Ingest;

/// <summary>The next offset to read in one partition of one topic.</summary>
public readonly record struct PartitionPosition(CallSide Side, int Partition, long NextOffset);
