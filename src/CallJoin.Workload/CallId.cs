using System.Text;

namespace CallJoin.Workload;

/// <summary>A UUID as two 64-bit halves, written lowercase with dashes (how Weave writes call and trace ids).</summary>
internal readonly record struct CallId(ulong High, ulong Low)
{
    /// <summary>Length of the text form.</summary>
    public const int TextLength = 36;

    public bool IsEmpty => High == 0 && Low == 0;

    /// <summary>A version-7 UUID: <paramref name="unixMillis"/> in the top 48 bits, the rest random.</summary>
    public static CallId Version7(long unixMillis, WorkloadRandom random)
    {
        var high = ((ulong)unixMillis << 16) | 0x7000UL | (random.NextUInt64() & 0x0FFF);
        var low = (random.NextUInt64() & 0x3FFF_FFFF_FFFF_FFFFUL) | 0x8000_0000_0000_0000UL;
        return new CallId(high, low);
    }

    /// <summary>Writes the 36 ASCII characters into <paramref name="destination"/>.</summary>
    public void Format(Span<byte> destination)
    {
        WriteHex(destination[..8], High >> 32, 8);
        destination[8] = (byte)'-';
        WriteHex(destination.Slice(9, 4), (High >> 16) & 0xFFFF, 4);
        destination[13] = (byte)'-';
        WriteHex(destination.Slice(14, 4), High & 0xFFFF, 4);
        destination[18] = (byte)'-';
        WriteHex(destination.Slice(19, 4), Low >> 48, 4);
        destination[23] = (byte)'-';
        WriteHex(destination.Slice(24, 12), Low & 0xFFFF_FFFF_FFFFUL, 12);
    }

    /// <summary>The text form as a new array (a Kafka key).</summary>
    public byte[] ToUtf8()
    {
        var bytes = new byte[TextLength];
        Format(bytes);
        return bytes;
    }

    public override string ToString()
    {
        Span<byte> text = stackalloc byte[TextLength];
        Format(text);
        return Encoding.ASCII.GetString(text);
    }

    private static void WriteHex(Span<byte> destination, ulong value, int digits)
    {
        for (int i = digits - 1; i >= 0; i--)
        {
            destination[i] = "0123456789abcdef"u8[(int)(value & 0xF)];
            value >>= 4;
        }
    }
}
