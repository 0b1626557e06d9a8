using CsCheck;

namespace CallJoin.Replay.Tests.Jsonl;

/// <summary>Generators of text and bytes weighted toward what JSON and ClickHouse escape.</summary>
internal static class JsonlTextGen
{
    /// <summary>Any valid Unicode text (no lone surrogates: they are not valid UTF-8).</summary>
    public static Gen<string> UnicodeText { get; } = Gen.Frequency(
            (6, Gen.Int[0x20, 0x7E]),
            (3, Gen.Int[0x00, 0x1F]),
            (2, Gen.OneOf(Gen.Const(0x22), Gen.Const(0x5C), Gen.Const(0x2F), Gen.Const(0x7F), Gen.Const(0x85), Gen.Const(0x2028), Gen.Const(0x2029), Gen.Const(0xFFFD))),
            (2, Gen.Int[0x80, 0x7FF]),
            (2, Gen.Int[0x800, 0xD7FF]),
            (1, Gen.Int[0xE000, 0xFFFF]),
            (2, Gen.Int[0x10000, 0x10FFFF]))
        .Array[0, 24]
        .Select(codePoints => string.Concat(codePoints.Select(char.ConvertFromUtf32)));

    /// <summary>Arbitrary bytes: mostly not valid UTF-8, sometimes nearly (valid text with a few bytes changed).</summary>
    public static Gen<byte[]> Bytes { get; } = Gen.OneOf(
        Gen.Byte.Array[0, 64],
        Gen.Select(UnicodeText, Gen.Int[0, 3].SelectMany(n => Gen.Select(Gen.Int[0, 1_000], Gen.Byte).Array[n]), (text, edits) =>
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            foreach (var (at, value) in edits)
            {
                if (bytes.Length > 0)
                {
                    bytes[at % bytes.Length] = value;
                }
            }

            return bytes;
        }));
}
