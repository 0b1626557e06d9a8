using Confluent.Kafka;

namespace CallJoin.Recording;

/// <summary>A key or value deserializer that copies into one reused buffer and returns the length, or -1 for null.</summary>
/// <remarks>Only valid with one consume loop: the buffer holds the last message until the next Consume.</remarks>
internal sealed class MessageBytes : IDeserializer<int>
{
    private byte[] _buffer = new byte[4096];

    public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (isNull)
        {
            return -1;
        }

        if (data.Length > _buffer.Length)
        {
            _buffer = new byte[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)data.Length)];
        }

        data.CopyTo(_buffer);
        return data.Length;
    }

    public ReadOnlySpan<byte> Span(int length) => length < 0 ? default : _buffer.AsSpan(0, length);
}
