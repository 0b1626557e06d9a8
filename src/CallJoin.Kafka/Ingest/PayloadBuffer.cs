using Confluent.Kafka;

namespace CallJoin.Kafka.Ingest;

/// <summary>A key or value deserializer that copies into one reused buffer and returns the length, so no array is allocated per message.</summary>
/// <remarks>Only valid with one consume loop: the buffer holds the last message until the next Consume.</remarks>
/// <param name="initialBytes">The buffer's first size; it grows to the largest message seen.</param>
internal sealed class PayloadBuffer(int initialBytes = 64 * 1024) : IDeserializer<int>
{
    private byte[] _buffer = new byte[initialBytes];

    public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull || data.IsEmpty)
        {
            return 0;
        }

        if (data.Length > _buffer.Length)
        {
            _buffer = new byte[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)data.Length)];
        }

        data.CopyTo(_buffer);
        return data.Length;
    }

    public ReadOnlySpan<byte> Span(int length) => _buffer.AsSpan(0, length);
}
