namespace CallJoin.Core.Bytes;

/// <summary>The value of an ASCII hexadecimal digit, the one definition every escape and percent-decoder reads digits with.</summary>
public static class HexDigit
{
    /// <summary>The digit's value (0-15) for <c>0-9</c>, <c>a-f</c> and <c>A-F</c>; -1 for any other byte.</summary>
    public static int Value(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
