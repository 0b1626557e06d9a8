namespace CallJoin.EmbeddedKafka;

/// <summary>Kafka protocol request types (API keys) that <see cref="EmbeddedBroker.PushRequestErrors"/> can make fail.</summary>
public enum KafkaApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
}
