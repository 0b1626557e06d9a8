using CallJoin.Dumps;

namespace CallJoin.Replay.Tests.Dumps;

/// <summary>A dump record as plain values, for comparing what was written with what was read.</summary>
internal sealed record DumpRecord(
    string Topic, int Partition, long Offset, long TimestampMillis, string TimestampType, int Broker,
    byte[]? Key, byte[]? Payload, (string Name, string? Value)[] Headers)
{
    public static DumpRecord From(DumpReader reader) => new(
        reader.Topic, reader.Partition, reader.Offset, reader.TimestampMillis, reader.TimestampType, reader.Broker,
        reader.HasKey ? reader.Key.ToArray() : null, reader.HasPayload ? reader.Payload.ToArray() : null,
        [.. reader.Headers.Select(h => (h.Key, h.Value))]);

    public void WriteTo(DumpWriter writer) => writer.Write(Topic, Partition, Offset, TimestampMillis, Key, Key is not null,
        Payload, Payload is not null, TimestampType, Broker, [.. Headers.Select(h => new KeyValuePair<string, string?>(h.Name, h.Value))]);

    public bool Equals(DumpRecord? other) => other is not null
        && Topic == other.Topic && Partition == other.Partition && Offset == other.Offset
        && TimestampMillis == other.TimestampMillis && TimestampType == other.TimestampType && Broker == other.Broker
        && SameBytes(Key, other.Key) && SameBytes(Payload, other.Payload) && Headers.SequenceEqual(other.Headers);

    public override int GetHashCode() => HashCode.Combine(Topic, Partition, Offset);

    public override string ToString() =>
        $"{Topic}/{Partition}@{Offset} ts={TimestampMillis} ({TimestampType}) broker={Broker} key={Hex(Key)} payload={Hex(Payload)} headers=[{string.Join(", ", Headers)}]";

    private static bool SameBytes(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    private static string Hex(byte[]? bytes) => bytes is null ? "null" : bytes.Length > 64 ? $"{bytes.Length} bytes" : Convert.ToHexString(bytes);
}
