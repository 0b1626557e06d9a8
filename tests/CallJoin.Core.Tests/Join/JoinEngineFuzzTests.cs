using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;
using CallJoin.Core.Tests.Halves;
using CsCheck;

namespace CallJoin.Core.Tests.Join;

/// <summary>
/// Random bytes and mutated valid halves through the engine: it never throws, and every half is accounted for exactly once.
/// </summary>
/// <remarks>
/// The accounting: a consumed half is, at any moment, either still pending (its payload waits in the store) or released
/// exactly once (<see cref="IJoinOutput"/>'s contract): as one of the two halves of a complete row, as a duplicate, by
/// an error record about it, or dropped after its timeout outcome (a running row or a start_missing record) was written.
/// After a drain nothing is pending, and the counters add up to the halves consumed:
/// 2 × Matched + Duplicates + (Malformed + KeyMismatches + HalfTooLarge + Conflicts + PartnerFailed) + ExpiredStarts + ExpiredEnds.
/// Every error record carries the raw payload of the very half it names.
/// </remarks>
public sealed class JoinEngineFuzzTests
{
    private static readonly string[] Values = LoadValues();

    [Fact]
    public void Random_and_mutated_halves_never_throw_and_every_half_is_accounted_for_exactly_once() =>
        Gen.Int.Sample(seed => Check(FuzzStream.Generate(seed, Values)), iter: 300);

    [Fact]
    public void The_fuzz_streams_reach_every_outcome()
    {
        var sums = new Dictionary<string, long>();
        for (var seed = 0; seed < 200; seed++)
        {
            var counters = Check(FuzzStream.Generate(seed, Values));
            foreach (var p in typeof(JoinCounters).GetProperties())
            {
                sums[p.Name] = sums.GetValueOrDefault(p.Name) + (long)p.GetValue(counters)!;
            }
        }

        foreach (var outcome in new[] { "Matched", "Duplicates", "Conflicts", "Malformed", "KeyMismatches", "HalvesTooLarge", "PartnerFailed", "RunningRows", "StartMissing", "ExpiredStarts", "ExpiredEnds" })
        {
            Assert.True(sums[outcome] > 0, $"no {outcome} in 200 fuzz streams");
        }
    }

    private static JoinCounters Check(FuzzStream stream)
    {
        var output = new FuzzOutput();
        using var store = new JoinEngineTests.SmallStore(stream.MaxValueBytes);
        var engine = new JoinEngine<FuzzOutput>(store, JoinScenario.Options, output);
        var consumed = new Dictionary<(CallSide, SourcePosition), byte[]>();
        foreach (var half in stream.Halves)
        {
            consumed.Add((half.Side, half.Position), half.Payload);
            output.Consumed = consumed;
            engine.Process(half.Side, half.Payload, half.Key, half.Position, half.Timestamp);
            if (half.AdvanceBy > 0)
            {
                engine.AdvanceTime(half.Timestamp + half.AdvanceBy);
            }

            Assert.Equal(consumed.Count, output.Released.Count + PendingHalves(store));
        }

        engine.Drain();
        var c = engine.Counters;
        Assert.Equal(consumed.Count, output.Released.Count);
        Assert.Equal(0, engine.State.Entries);
        Assert.Equal(0, engine.PendingTimers);
        Assert.Equal(consumed.Count, c.StartsConsumed + c.EndsConsumed);
        Assert.Equal(0, c.KeyCollisions);
        Assert.Equal(c.Matched, output.CompleteRows);
        Assert.Equal(c.Malformed + c.KeyMismatches + c.HalvesTooLarge + c.Conflicts + c.PartnerFailed, output.ReleasingErrors);
        Assert.Equal(c.Duplicates + c.ExpiredStarts + c.ExpiredEnds, output.ReleasedAlone);
        Assert.Equal(consumed.Count,
            (2 * c.Matched) + c.Duplicates + c.Malformed + c.KeyMismatches + c.HalvesTooLarge + c.Conflicts + c.PartnerFailed + c.ExpiredStarts + c.ExpiredEnds);
        return c;
    }

    /// <summary>Store entries holding a waiting half (not a matched call's tombstone).</summary>
    private static int PendingHalves(JoinEngineTests.SmallStore store)
    {
        var visitor = new HalfCounter();
        store.Visit(ref visitor);
        return visitor.Count;
    }

    private static string[] LoadValues() =>
        [.. Vectors.Read("dump-vectors.jsonl").Select(v => v.GetProperty("input").GetString()!).Where(v => v.Length < 20_000)];

    private struct HalfCounter : IPendingVisitor
    {
        public int Count;

        public void Visit(in CallKey key, ReadOnlySpan<byte> value) =>
            Count += (new PendingRecord(value).Flags & RecordFlags.Completed) == 0 ? 1 : 0;
    }

    /// <summary>Checks each release and each error record against what was consumed, as it happens.</summary>
    private sealed class FuzzOutput : IJoinOutput
    {
        public Dictionary<(CallSide, SourcePosition), byte[]> Consumed { get; set; } = [];

        public HashSet<(CallSide, SourcePosition)> Released { get; } = [];

        public long CompleteRows { get; private set; }

        public long ReleasingErrors { get; private set; }

        public long ReleasedAlone { get; private set; }

        public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
        {
            if (sources.Complete)
            {
                CompleteRows++;
                Release(CallSide.Start, sources.Start);
                Release(CallSide.End, sources.End);
            }
            else
            {
                Assert.True(Consumed.ContainsKey((CallSide.Start, sources.Start)), "a running row from a start never consumed");
            }
        }

        public void OnError(in JoinError error)
        {
            Assert.False(string.IsNullOrEmpty(error.Reason));
            Assert.NotEqual("unknown", error.Reason);
            Assert.True(Consumed.TryGetValue((error.Side, error.Position), out var payload), $"{error.Reason} about a half never consumed");
            Assert.True(error.Payload.SequenceEqual(payload), $"{error.Reason} carries another half's payload");
            if (error.ReleasesHalf)
            {
                ReleasingErrors++;
                Release(error.Side, error.Position);
            }
        }

        public void OnReleased(CallSide side, SourcePosition position)
        {
            ReleasedAlone++;
            Release(side, position);
        }

        private void Release(CallSide side, SourcePosition position)
        {
            Assert.True(Consumed.ContainsKey((side, position)), "released a half never consumed");
            Assert.True(Released.Add((side, position)), $"{side} {position} released twice");
        }
    }
}
