using System.Text;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;

namespace CallJoin.Core.Tests.Join;

/// <summary>Bad input the join must record against the right half: key mismatches, too-large halves, build failures.</summary>
public sealed class BadInputTests
{
    private const long T0 = 1_767_225_600_000;
    private const long Minute = 60_000;

    private static readonly string HugeInteger = new('7', 5000);

    [Fact]
    public void A_message_key_other_than_the_payloads_id_is_a_key_mismatch_record_and_the_half_is_not_joined()
    {
        var (engine, log) = Engine(new InMemoryPendingStore());
        var end = JoinEngineTests.End("c1", 2, T0 + 1_000);

        Assert.Equal(JoinOutcome.Stored, engine.Process(CallSide.Start, Utf8(JoinEngineTests.Start("c1", 1, T0)), "c1"u8, new(3, 41), T0));
        Assert.Equal(JoinOutcome.KeyMismatch, engine.Process(CallSide.End, Utf8(end), "c2"u8, new(3, 42), T0 + 1_000));
        engine.Drain();

        var error = Assert.Single(log.Errors);
        Assert.Equal(new ErrorEntry(JoinErrorReason.KeyMismatch, CallSide.End, new(3, 42), T0 + 1_000, "p", "c1", end), error);
        Assert.Equal(["running p/c1 v=" + T0], log.Lines.Where(l => !l.StartsWith("error:", StringComparison.Ordinal)));
        Assert.Equal(1, engine.Counters.KeyMismatches);
        Assert.Equal(0, engine.Counters.Matched);
    }

    [Fact]
    public void An_empty_key_is_accepted_and_a_key_equal_to_the_unescaped_id_joins()
    {
        var (engine, log) = Engine(new InMemoryPendingStore());
        var start = new HalfEvent(CallSide.Start, "p", "c\\u00e9", 1, T0 * 1000, T0, default).Json;   // id "cé", escaped in JSON
        var end = new HalfEvent(CallSide.End, "p", "c\\u00e9", 2, T0 * 1000, T0, default).Json;

        Assert.Equal(JoinOutcome.Stored, engine.Process(CallSide.Start, Utf8(start), default, new(0, 1), T0));
        Assert.Equal(JoinOutcome.Matched, engine.Process(CallSide.End, Utf8(end), "cé"u8, new(0, 2), T0));

        Assert.Equal(["complete p/cé v=" + (T0 + 1)], log.Lines);
        Assert.Equal(0, engine.Counters.KeyMismatches);
    }

    [Theory]
    [InlineData(CallSide.Start)]
    [InlineData(CallSide.End)]
    public void A_half_too_large_to_store_gives_the_same_records_whichever_half_arrives_first(CallSide bigSide)
    {
        var start = JoinEngineTests.Start("big", 1, T0);
        var end = JoinEngineTests.End("big", 2, T0 + 1_000);
        if (bigSide == CallSide.Start)
        {
            start = start.Replace("\"inputs\":{\"v\":1}", "\"inputs\":{\"pad\":\"" + new string('x', 500) + "\"}", StringComparison.Ordinal);
        }
        else
        {
            end = end.Replace("\"output\":{\"v\":2}", "\"output\":{\"pad\":\"" + new string('x', 500) + "\"}", StringComparison.Ordinal);
        }

        List<string> Run(bool startFirst)
        {
            var (engine, log) = Engine(new JoinEngineTests.SmallStore(400));
            var halves = new[] { (CallSide.Start, start, new SourcePosition(0, 5), T0), (CallSide.End, end, new SourcePosition(0, 9), T0 + 1_000) };
            foreach (var (side, json, position, ts) in startFirst ? halves : halves.Reverse())
            {
                engine.Process(side, Utf8(json), "big"u8, position, ts);
            }

            engine.Drain();
            AssertEachReleasedOnce(log, 2);
            return [.. log.Lines.Order(StringComparer.Ordinal)];
        }

        var startFirst = Run(startFirst: true);
        Assert.Equal(startFirst, Run(startFirst: false));

        // Refused, and the partner meets the timeout it would meet alone.
        Assert.Contains(startFirst, l => l.StartsWith("error:half_too_large " + bigSide, StringComparison.Ordinal));
        Assert.Contains(startFirst, l => l.StartsWith(bigSide == CallSide.Start ? "error:start_missing End" : "running p/big", StringComparison.Ordinal));
        Assert.DoesNotContain(startFirst, l => l.StartsWith("complete", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(CallSide.Start, true)]
    [InlineData(CallSide.Start, false)]
    [InlineData(CallSide.End, true)]
    [InlineData(CallSide.End, false)]
    public void A_half_that_fails_at_row_build_is_blamed_whether_it_was_stored_or_arriving(CallSide badSide, bool badFirst)
    {
        var start = JoinEngineTests.Start("c9", 1, T0);
        var end = JoinEngineTests.End("c9", 2, T0 + 1_000);
        if (badSide == CallSide.Start)
        {
            start = start.Replace("\"inputs\":{\"v\":1}", "\"inputs\":{\"n\":" + HugeInteger + "}", StringComparison.Ordinal);
        }
        else
        {
            end = end.Replace("\"output\":{\"v\":2}", "\"output\":{\"n\":" + HugeInteger + "}", StringComparison.Ordinal);
        }

        var (engine, log) = Engine(new InMemoryPendingStore());
        var halves = new[] { (CallSide.Start, start, new SourcePosition(1, 10), T0), (CallSide.End, end, new SourcePosition(2, 20), T0 + 1_000) };
        var bad = halves.Single(h => h.Item1 == badSide);
        var good = halves.Single(h => h.Item1 != badSide);
        engine.Process(bad.Item1, Utf8(bad.Item2), "c9"u8, bad.Item3, bad.Item4);
        engine.Process(good.Item1, Utf8(good.Item2), "c9"u8, good.Item3, good.Item4);
        if (!badFirst)
        {
            // Same records when the good half is the stored one.
            (engine, log) = Engine(new InMemoryPendingStore());
            engine.Process(good.Item1, Utf8(good.Item2), "c9"u8, good.Item3, good.Item4);
            engine.Process(bad.Item1, Utf8(bad.Item2), "c9"u8, bad.Item3, bad.Item4);
        }

        engine.Drain();
        Assert.Collection(log.Errors.OrderBy(e => e.Reason == JoinErrorReason.PartnerFailed),
            e =>
            {
                Assert.StartsWith("malformed_json", e.Reason, StringComparison.Ordinal);
                Assert.Equal((badSide, bad.Item3, bad.Item4, bad.Item2, "c9"), (e.Side, e.Position, e.TimestampMillis, e.Payload, e.Id));
            },
            e => Assert.Equal(new ErrorEntry(JoinErrorReason.PartnerFailed, good.Item1, good.Item3, good.Item4, "p", "c9", good.Item2), e));
        Assert.DoesNotContain(log.Lines, l => !l.StartsWith("error:", StringComparison.Ordinal));
        AssertEachReleasedOnce(log, 2);
    }

    [Fact]
    public void A_start_that_fails_to_become_a_running_row_is_recorded_once_and_leaves_the_state()
    {
        var start = JoinEngineTests.Start("c8", 1, T0).Replace("\"inputs\":{\"v\":1}", "\"inputs\":{\"n\":" + HugeInteger + "}", StringComparison.Ordinal);
        var (engine, log) = Engine(new InMemoryPendingStore());
        engine.Process(CallSide.Start, Utf8(start), default, new(0, 1), T0);
        engine.AdvanceTime(T0 + (6 * Minute));

        var error = Assert.Single(log.Errors);
        Assert.Equal((CallSide.Start, new SourcePosition(0, 1), "p", "c8", start), (error.Side, error.Position, error.ProjectId, error.Id, error.Payload));
        Assert.Equal(0, engine.State.Entries);
        Assert.Equal(0, engine.PendingTimers);

        // Its end, later, is an orphan like any other; the start is not released a second time.
        engine.Process(CallSide.End, Utf8(JoinEngineTests.End("c8", 2, T0 + (7 * Minute))), default, new(0, 2), T0 + (7 * Minute));
        engine.Drain();
        Assert.Equal(["malformed_json", JoinErrorReason.StartMissing], log.Errors.Select(e => e.Reason.Split(':')[0]));
        AssertEachReleasedOnce(log, 2);
    }

    private static void AssertEachReleasedOnce(OutcomeLog log, int halves)
    {
        Assert.Equal(halves, log.Released.Count);
        Assert.Equal(halves, log.Released.Distinct().Count());
    }

    private static (JoinEngine<OutcomeLog> Engine, OutcomeLog Log) Engine(IPendingStore store)
    {
        var log = new OutcomeLog();
        return (new JoinEngine<OutcomeLog>(store, new JoinOptions(), log), log);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
