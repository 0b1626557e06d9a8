namespace CallJoin.Kafka.Ingest;

/// <summary>What the consumer yields for a key or value: its length, the bytes being in a <see cref="MessageBuffer"/>.</summary>
internal readonly record struct MessageLength(int Bytes);
