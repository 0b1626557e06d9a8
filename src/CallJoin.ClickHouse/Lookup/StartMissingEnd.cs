namespace CallJoin.ClickHouse.Lookup;

/// <summary>One result of <see cref="LatePartnerLookup.FindStartMissingAsync"/>: an end stored as a <c>start_missing</c> record.</summary>
/// <remarks>Immutable; <see cref="Payload"/> is the caller's.</remarks>
public sealed class StartMissingEnd
{
    internal StartMissingEnd(LookupKey key, byte[] payload, int partition, long offset, long firstSeenMillis)
    {
        Key = key;
        Payload = payload;
        Partition = partition;
        Offset = offset;
        FirstSeenMillis = firstSeenMillis;
    }

    /// <summary>The key asked for.</summary>
    public LookupKey Key { get; }

    /// <summary>The end's message as received, byte for byte.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The end topic partition the record came from.</summary>
    public int Partition { get; }

    /// <summary>Its offset in that partition.</summary>
    public long Offset { get; }

    /// <summary>Its record timestamp (<c>first_seen</c>), milliseconds since the epoch.</summary>
    public long FirstSeenMillis { get; }
}
