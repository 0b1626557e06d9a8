using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Core.Tests.Join;

/// <summary>One fuzzed half: its bytes, its Kafka key, where it came from, and how far to move stream time after it.</summary>
internal sealed record FuzzHalf(CallSide Side, byte[] Payload, byte[] Key, SourcePosition Position, long Timestamp, long AdvanceBy);

/// <summary>
/// A stream of halves over a few call ids: valid halves (some carrying dump test vectors, some padded past the store's
/// limit), then mutated (truncated, bytes flipped, inserted or cut, values swapped for ones upstream cannot render),
/// or plain random bytes; keys that match, are empty, or name another call.
/// </summary>
internal sealed record FuzzStream(IReadOnlyList<FuzzHalf> Halves, int MaxValueBytes)
{
    private const long T0 = 1_767_225_600_000;

    public static FuzzStream Generate(int seed, IReadOnlyList<string> values)
    {
        var random = new Random(seed);
        var halves = new List<FuzzHalf>();
        var offsets = new long[4];
        var time = T0;
        var count = random.Next(1, 80);
        for (var i = 0; i < count; i++)
        {
            var side = random.Next(2) == 0 ? CallSide.Start : CallSide.End;
            var id = "c" + random.Next(8);
            time += random.Next(10) == 0 ? random.Next(0, 3_600_000) : random.Next(0, 60_000);
            var timestamp = time - (random.Next(8) == 0 ? random.Next(0, 120_000) : 0);
            var payload = random.Next(12) == 0 ? RandomBytes(random) : Mutate(random, Encoding.UTF8.GetBytes(Valid(random, side, id, timestamp, values)));
            var key = random.Next(10) switch
            {
                < 6 => Encoding.UTF8.GetBytes(id),
                < 8 => [],
                8 => Encoding.UTF8.GetBytes("c" + random.Next(8)),
                _ => RandomBytes(random),
            };
            if (halves.Count > 0 && random.Next(8) == 0)
            {
                // A redelivery: the bytes and key of an earlier half, at a new offset.
                var earlier = halves[random.Next(halves.Count)];
                (side, payload, key) = (earlier.Side, earlier.Payload, earlier.Key);
            }

            var partition = random.Next(2);
            var slot = ((int)side - 1) * 2 + partition;
            var advance = random.Next(10) == 0 ? random.Next(0, 50 * 60_000) : 0;
            halves.Add(new FuzzHalf(side, payload, key, new SourcePosition(partition, offsets[slot]++), timestamp, advance));
        }

        return new FuzzStream(halves, random.Next(3) == 0 ? 700 : int.MaxValue);
    }

    private static string Valid(Random random, CallSide side, string id, long timestamp, IReadOnlyList<string> values)
    {
        var micros = (timestamp * 1000) + random.Next(1000);
        var value = random.Next(3) switch
        {
            0 => values[random.Next(values.Count)],
            1 => random.Next(3).ToString(System.Globalization.CultureInfo.InvariantCulture),   // few variants: duplicates and conflicts
            _ => "\"" + new string('x', random.Next(0, 900)) + "\"",                            // sometimes past a small store's limit
        };
        var json = new HalfEvent(side, "p", id, 0, micros, timestamp, default).Json;
        return side == CallSide.Start
            ? json.Replace("\"inputs\":{\"v\":0}", "\"inputs\":{\"v\":" + value + "}", StringComparison.Ordinal)
            : json.Replace("\"output\":{\"v\":0}", "\"output\":" + value, StringComparison.Ordinal);
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        var bytes = new List<byte>(valid);
        switch (random.Next(10))
        {
            case 0:
                var cut = random.Next(bytes.Count);
                bytes.RemoveRange(cut, bytes.Count - cut);
                break;
            case 1:
                bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                break;
            case 2:
                bytes.InsertRange(random.Next(bytes.Count + 1), RandomBytes(random));
                break;
            case 3:
                var at = random.Next(bytes.Count);
                bytes.RemoveRange(at, random.Next(Math.Min(20, bytes.Count - at) + 1));
                break;
            case 4:
                // A value the Python-exact dumps refuse, where only the row build looks.
                var text = Encoding.UTF8.GetString(valid);
                var bad = random.Next(2) == 0 ? new string('9', 4_400) : new string('[', 1_100) + new string(']', 1_100);
                return Encoding.UTF8.GetBytes(text.Replace("\"v\":", "\"v\":" + bad + ",\"w\":", StringComparison.Ordinal)
                    .Replace("\"output\":", "\"output\":{\"n\":" + bad + "},\"o\":", StringComparison.Ordinal));
            default:
                break;   // valid as generated
        }

        return [.. bytes];
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 40)];
        random.NextBytes(bytes);
        return bytes;
    }
}
