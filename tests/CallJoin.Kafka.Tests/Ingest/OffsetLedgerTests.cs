using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;
using CsCheck;

namespace CallJoin.Kafka.Tests.Ingest;

public sealed class OffsetLedgerTests
{
    [Fact]
    public void Nothing_consumed_means_nothing_to_commit()
    {
        var ledger = new OffsetLedger();
        Assert.False(ledger.TryGetCommitOffset(CallSide.Start, 0, out _));
        ledger.Durable(CallSide.Start, 0, 5);
        Assert.False(ledger.TryGetCommitOffset(CallSide.Start, 0, out _));
    }

    [Fact]
    public void The_commit_offset_is_the_lowest_offset_not_yet_durable()
    {
        var ledger = new OffsetLedger();
        for (var offset = 10; offset < 20; offset++)
        {
            ledger.Consumed(CallSide.End, 3, offset);
        }

        Assert.Equal(10, Commit(ledger, CallSide.End, 3));
        ledger.Durable(CallSide.End, 3, 11);
        ledger.Durable(CallSide.End, 3, 12);
        Assert.Equal(10, Commit(ledger, CallSide.End, 3));
        ledger.Durable(CallSide.End, 3, 10);
        Assert.Equal(13, Commit(ledger, CallSide.End, 3));
        for (var offset = 13; offset < 20; offset++)
        {
            ledger.Durable(CallSide.End, 3, offset);
        }

        Assert.Equal(20, Commit(ledger, CallSide.End, 3));
        Assert.Equal(0, ledger.Held);
        Assert.False(ledger.TryGetCommitOffset(CallSide.Start, 3, out _));   // the sides are separate
    }

    [Fact]
    public void Gaps_and_a_growing_ring_keep_the_restart_point()
    {
        var ledger = new OffsetLedger();
        for (var i = 0; i < 5_000; i++)
        {
            ledger.Consumed(CallSide.Start, 1, i * 3L);
        }

        Assert.Equal(5_000, ledger.Held);
        for (var i = 4_999; i >= 1; i--)
        {
            ledger.Durable(CallSide.Start, 1, i * 3L);
        }

        Assert.Equal(0, Commit(ledger, CallSide.Start, 1));
        ledger.Durable(CallSide.Start, 1, 1);   // never consumed (a gap): ignored
        Assert.Equal(0, Commit(ledger, CallSide.Start, 1));
        ledger.Durable(CallSide.Start, 1, 0);
        Assert.Equal(4_999 * 3L + 1, Commit(ledger, CallSide.Start, 1));
        Assert.Equal(0, ledger.Held);
    }

    [Fact]
    public void Forget_drops_a_partition()
    {
        var ledger = new OffsetLedger();
        ledger.Consumed(CallSide.Start, 2, 7);
        ledger.Forget(CallSide.Start, 2);
        Assert.False(ledger.TryGetCommitOffset(CallSide.Start, 2, out _));
        Assert.Equal(0, ledger.Held);
        ledger.Consumed(CallSide.Start, 2, 3);
        Assert.Equal(3, Commit(ledger, CallSide.Start, 2));
    }

    [Fact]
    public void A_long_steady_run_commits_up_to_the_oldest_offset_not_yet_durable()
    {
        var ledger = new OffsetLedger();
        for (var i = 0; i < 2_000; i++)
        {
            ledger.Consumed(CallSide.Start, 0, i);
            ledger.Consumed(CallSide.End, 0, i);
            ledger.Durable(CallSide.Start, 0, i);
            ledger.Durable(CallSide.End, 0, i);
        }

        // Allocation in this steady state is measured by bench/CallJoin.Benchmarks (OffsetLedgerBenchmarks).
        for (long i = 2_000; i < 200_000; i++)
        {
            ledger.Consumed(CallSide.Start, 0, i);
            ledger.Consumed(CallSide.End, 0, i);
            if (i >= 2_500)
            {
                ledger.Durable(CallSide.Start, 0, i - 500);
                ledger.Durable(CallSide.End, 0, i - 500);
            }
        }

        Assert.Equal(199_500, Commit(ledger, CallSide.Start, 0));
        Assert.Equal(199_500, Commit(ledger, CallSide.End, 0));
        Assert.Equal(1_000, ledger.Held);
    }

    [Fact]
    public void Behaves_like_a_sorted_set_of_offsets_not_yet_durable()
    {
        var genOp = Gen.Frequency(
            (10, Gen.Select(Gen.Int[0, 2], Gen.Int[1, 3], (p, gap) => new Op(OpKind.Consume, p, gap))),
            (10, Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1_000], (p, pick) => new Op(OpKind.Durable, p, pick))),
            (1, Gen.Select(Gen.Int[0, 2], p => new Op(OpKind.Forget, p, 0))));
        genOp.Array[1, 400].Sample(ops =>
        {
            var ledger = new OffsetLedger();
            var pending = new SortedSet<long>[3];
            var consumed = new List<long>[3];
            var next = new long[3];
            for (var p = 0; p < 3; p++)
            {
                pending[p] = [];
                consumed[p] = [];
                next[p] = -1;
            }

            foreach (var op in ops)
            {
                var p = op.Partition;
                switch (op.Kind)
                {
                    case OpKind.Consume:
                        var offset = next[p] < 0 ? op.Value - 1 : next[p] - 1 + op.Value;
                        ledger.Consumed(CallSide.Start, p, offset);
                        pending[p].Add(offset);
                        consumed[p].Add(offset);
                        next[p] = offset + 1;
                        break;
                    case OpKind.Durable:
                        // Mostly offsets consumed (in any order), sometimes one never consumed.
                        var target = consumed[p].Count > 0 && op.Value % 10 != 0 ? consumed[p][op.Value % consumed[p].Count] : op.Value;
                        ledger.Durable(CallSide.Start, p, target);
                        pending[p].Remove(target);
                        break;
                    default:
                        ledger.Forget(CallSide.Start, p);
                        pending[p].Clear();
                        consumed[p].Clear();
                        next[p] = -1;
                        break;
                }

                for (var q = 0; q < 3; q++)
                {
                    var has = ledger.TryGetCommitOffset(CallSide.Start, q, out var actual);
                    Assert.Equal(next[q] >= 0, has);
                    if (has)
                    {
                        Assert.Equal(pending[q].Count > 0 ? pending[q].Min : next[q], actual);
                    }
                }
            }
        });
    }

    private static long Commit(OffsetLedger ledger, CallSide side, int partition)
    {
        Assert.True(ledger.TryGetCommitOffset(side, partition, out var offset));
        return offset;
    }

    private enum OpKind
    {
        Consume,
        Durable,
        Forget,
    }

    private sealed record Op(OpKind Kind, int Partition, int Value);
}
