using System.Buffers.Text;
using System.Globalization;

namespace CallJoin.Bench.BoundedState;

/// <summary>What becomes of a simulated call.</summary>
internal enum SimulatedFate : byte
{
    /// <summary>Ends within seconds.</summary>
    Normal,

    /// <summary>Runs 10 minutes to 2 hours: its start times out first, its end comes late.</summary>
    LongRunning,

    /// <summary>Only its end is ever published.</summary>
    OrphanEnd,
}

/// <summary>
/// Production-like traffic as a pure function of the call's index: when it starts, how long it runs, its fate, its
/// partition and its halves' bytes (~250 B starts, ~190 B ends carrying started_at), so any half can be written again
/// later byte for byte (a lookup's answer) without keeping it.
/// </summary>
internal sealed class SimulatedCalls(int callsPerSecond, int partitions, long epochMillis, double longRunningShare, double orphanEndShare)
{
    public static ReadOnlySpan<byte> Project => "proj"u8;

    public long StartMillis(long index) => epochMillis + (index * 1000 / callsPerSecond);

    public long EndMillis(long index) => StartMillis(index) + DurationMillis(index);

    public int Partition(long index) => (int)(Mix((index * 31) + 7) % (ulong)partitions);

    public SimulatedFate Fate(long index)
    {
        var u = (Mix(index) >> 11) * (1.0 / (1UL << 53));
        return u < orphanEndShare ? SimulatedFate.OrphanEnd : u < orphanEndShare + longRunningShare ? SimulatedFate.LongRunning : SimulatedFate.Normal;
    }

    /// <summary>Normal calls 0.1–5 s; long-running 10 min–2 h; an orphan end names a start 1 s before it.</summary>
    public long DurationMillis(long index)
    {
        var h = Mix(index ^ 0x5DEECE66DL);
        return Fate(index) switch
        {
            SimulatedFate.LongRunning => 600_000 + (long)(h % 6_600_000),
            SimulatedFate.OrphanEnd => 1_000,
            _ => 100 + (long)(h % 4_900),
        };
    }

    public int WriteStart(long index, Span<byte> buffer)
    {
        var at = 0;
        Raw(buffer, ref at, "{\"project_id\":\""u8);
        Raw(buffer, ref at, Project);
        Raw(buffer, ref at, "\",\"id\":\""u8);
        Id(buffer, ref at, index);
        Raw(buffer, ref at, "\",\"op_name\":\"weave:///proj/op/predict:v1\",\"started_at\":\""u8);
        Time(buffer, ref at, StartMillis(index));
        Raw(buffer, ref at, "\",\"attributes\":{\"weave\":{\"client_version\":\"0.51.0\"}},\"inputs\":{\"prompt\":\""u8);
        Raw(buffer, ref at, "Summarise the following support ticket in two sentences and suggest the next action for the agent on duty."u8);
        Raw(buffer, ref at, "\"}}"u8);
        return at;
    }

    public int WriteEnd(long index, Span<byte> buffer)
    {
        var at = 0;
        Raw(buffer, ref at, "{\"project_id\":\""u8);
        Raw(buffer, ref at, Project);
        Raw(buffer, ref at, "\",\"id\":\""u8);
        Id(buffer, ref at, index);
        Raw(buffer, ref at, "\",\"ended_at\":\""u8);
        Time(buffer, ref at, EndMillis(index));
        Raw(buffer, ref at, "\",\"output\":{\"text\":\"The customer cannot log in after a password reset.\"},\"summary\":{\"usage\":{}},\"started_at\":\""u8);
        Time(buffer, ref at, StartMillis(index));
        Raw(buffer, ref at, "\"}"u8);
        return at;
    }

    /// <summary>The index a call id was written from (16 hex digits).</summary>
    public static long IndexOf(ReadOnlySpan<byte> id) =>
        Utf8Parser.TryParse(id, out ulong value, out _, 'x') ? (long)value : throw new FormatException("not a simulated call id");

    private static ulong Mix(long index)
    {
        // SplitMix64: a well-spread hash of the index, so fates and partitions look random but are reproducible.
        var z = (ulong)index + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static void Raw(Span<byte> buffer, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(buffer[at..]);
        at += bytes.Length;
    }

    private static void Id(Span<byte> buffer, ref int at, long index)
    {
        ((ulong)index).TryFormat(buffer[at..], out var written, "x16", CultureInfo.InvariantCulture);
        at += written;
    }

    private static void Time(Span<byte> buffer, ref int at, long millis)
    {
        DateTime.UnixEpoch.AddMilliseconds(millis).TryFormat(buffer[at..], out var written, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        at += written;
    }
}
