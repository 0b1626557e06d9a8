using Confluent.Kafka;

namespace CallJoin.Kafka.Ingest;

/// <summary>
/// A key or value deserializer that copies each message into one reused buffer and gives back only its
/// <see cref="MessageLength"/>, so no array is allocated per message; <see cref="Span"/> reads the bytes.
/// </summary>
/// <remarks>Only valid with one consume loop: the buffer holds the last message until the next Consume.</remarks>
/// <param name="initialBytes">The buffer's first size; it grows to the largest message seen.</param>
internal sealed class MessageBuffer(int initialBytes = 64 * 1024) : IDeserializer<MessageLength>
{
    private byte[] _buffer = new byte[initialBytes];

    public MessageLength Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull || data.IsEmpty)
        {
            return default;
        }

        if (data.Length > _buffer.Length)
        {
            _buffer = new byte[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)data.Length)];
        }

        data.CopyTo(_buffer);
        return new MessageLength(data.Length);
    }

    /// <summary>The last message's bytes.</summary>
    public ReadOnlySpan<byte> Span(MessageLength length) => _buffer.AsSpan(0, length.Bytes);
}
