using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Core.Tests.Join;

/// <summary>
/// Generated event streams: calls whose halves arrive in either order, late, twice (identical or different), never,
/// with malformed messages mixed in and record timestamps that run slightly out of order.
/// </summary>
internal static class JoinScenario
{
    /// <summary>Short retentions so a few hours of stream time cover every rule, including expiry after a report.</summary>
    public static readonly JoinOptions Options = new()
    {
        StartTimeout = TimeSpan.FromMinutes(5),
        EndTimeout = TimeSpan.FromMinutes(5),
        StartRetention = TimeSpan.FromMinutes(40),
        EndRetention = TimeSpan.FromMinutes(25),
        CompletedRetention = TimeSpan.FromMinutes(15),
    };

    private const long Base = 1_767_225_600_000; // 2026-01-01T00:00:00Z in ms
    private const long Minute = 60_000;

    private static readonly string[] MalformedPayloads =
    [
        "{not json", "[1,2,3]", "{\"id\":\"x\",\"started_at\":\"2026-01-01T00:00:00Z\"}", "{\"project_id\":\"p\",\"id\":\"x\",\"started_at\":\"yesterday\",\"ended_at\":\"soon\"}", "", "{\"project_id\":5,\"id\":\"x\"}",
    ];

    public static List<HalfEvent> Generate(int seed, int maxCalls = 60)
    {
        var random = new Random(seed);
        var events = new List<(long Order, HalfEvent Event)>();
        var calls = maxCalls <= 60 ? random.Next(1, maxCalls) : random.Next(maxCalls / 2, maxCalls);
        var offsets = new long[4];
        for (var c = 0; c < calls; c++)
        {
            // A small key space: the same key reused by a later "call" exercises tombstones and late duplicates.
            var project = random.Next(2) == 0 ? "p1" : "p2";
            var id = "c" + random.Next(0, Math.Max(25, maxCalls / 3));
            var t0 = Base + random.NextInt64(0, 240 * Minute);
            var duration = random.NextInt64(0, 3 * Minute) + (random.Next(8) == 0 ? random.NextInt64(5 * Minute, 60 * Minute) : 0);
            var startMicros = (t0 * 1000) + random.Next(1000);
            var endMicros = startMicros + (duration * 1000) + random.Next(1000);
            var startVariant = random.Next(3);
            var endVariant = random.Next(3);
            if (random.Next(10) != 0)
            {
                Add(CallSide.Start, project, id, startVariant, startMicros, t0 + Jitter(random));
            }

            if (random.Next(8) != 0)
            {
                Add(CallSide.End, project, id, endVariant, endMicros, t0 + duration + Jitter(random));
            }

            if (random.Next(8) == 0)
            {
                // A redelivered or re-sent half: identical, or (rarely) different content under the same key.
                var side = random.Next(2) == 0 ? CallSide.Start : CallSide.End;
                var variant = random.Next(3) == 0 ? 7 : side == CallSide.Start ? startVariant : endVariant;
                Add(side, project, id, variant, side == CallSide.Start ? startMicros : endMicros, t0 + random.NextInt64(0, 90 * Minute));
            }

            if (random.Next(15) == 0)
            {
                var side = random.Next(2) == 0 ? CallSide.Start : CallSide.End;
                var at = t0 + random.NextInt64(0, 10 * Minute);
                events.Add((at, new HalfEvent(side, "", "", 0, 0, at, Next(side), MalformedPayloads[random.Next(MalformedPayloads.Length)])));
            }
        }

        // Consumed in timestamp order, except that some records arrive a little late.
        return events.OrderBy(e => e.Order).Select(e => e.Event).ToList();

        void Add(CallSide side, string project, string id, int variant, long micros, long timestamp)
        {
            var arrival = timestamp + (random.Next(6) == 0 ? random.NextInt64(0, 2 * Minute) : 0);
            events.Add((arrival, new HalfEvent(side, project, id, variant, micros, timestamp, Next(side))));
        }

        SourcePosition Next(CallSide side)
        {
            var partition = random.Next(2);
            var slot = (((int)side - 1) * 2) + partition;
            return new SourcePosition(partition, offsets[slot]++);
        }
    }

    private static long Jitter(Random random) => random.NextInt64(0, 3_000);
}
