using CsCheck;

namespace CallJoin.Core.Tests.Timers;

public class TimerWheelPropertyTests
{
    private enum OpKind
    {
        Schedule,
        Cancel,
        Advance,
    }

    private readonly record struct Op(OpKind Kind, long Delta, int Pick);

    /// <summary>Time steps: mostly small, some across level boundaries, some jumps of days to millennia, some backwards.</summary>
    private static readonly Gen<long> s_delta = Gen.Frequency(
        (4, Gen.Long[-20, 200]),
        (3, Gen.Long[0, 70_000]),
        (2, Gen.Long[0, 1L << 34]),
        (1, Gen.Long[-(1L << 40), 1L << 50]),
        (2, Gen.OneOf(63L, 64L, 65L, 4_095L, 4_096L, 4_097L, 262_143L, 262_144L, 16_777_216L, 1L << 30, 1L << 36)));

    private static readonly Gen<long> s_start = Gen.Frequency(
        (4, Gen.Long[0, 1L << 42]),
        (1, Gen.Long),
        (1, Gen.OneOf(long.MinValue, long.MaxValue - 100_000, -1L, 0L, 4_095L, 262_143L, 1_700_000_000_000L)));

    private static readonly Gen<Op> s_op = Gen.Frequency(
        (5, s_delta.Select(d => new Op(OpKind.Schedule, d, 0))),
        (2, Gen.Int[0, 1_000].Select(p => new Op(OpKind.Cancel, 0, p))),
        (3, s_delta.Select(d => new Op(OpKind.Advance, d, 0))));

    [Fact]
    public void Fires_the_same_sequence_as_a_sorted_list()
    {
        Gen.Select(s_start, s_op.Array[0, 300]).Sample(
            (start, ops) => Assert.Equal(Run(new ReferenceTimerModel(start), ops), Run(new WheelTimerModel(start), ops)),
            iter: 3_000);
    }

    [Fact]
    public void Fires_the_same_sequence_as_a_sorted_list_under_load()
    {
        // Long runs that hold hundreds of timers at once, so slots carry many timers when they cascade.
        Gen.Select(s_start, s_op.Array[500, 2_000]).Sample(
            (start, ops) => Assert.Equal(Run(new ReferenceTimerModel(start), ops), Run(new WheelTimerModel(start), ops)),
            iter: 100);
    }

    /// <summary>Applies the operations and logs everything observable. Fired timers with a non-negative payload
    /// schedule or cancel other timers from the callback, chosen by the payload.</summary>
    private static List<string> Run(ITimerModel timers, Op[] ops)
    {
        var log = new List<string>();
        int payloads = 0;
        int scheduled = 0;

        void OnExpired(long deadline, int payload)
        {
            log.Add($"fire {deadline} {payload} at {timers.Now}, {timers.Count} left");
            if (payload < 0)
            {
                return;
            }

            switch (payload % 4)
            {
                case 0:
                    long delta = payload % 7 == 0 ? 0 : (payload % 1_000 * 37) - 100;
                    timers.Schedule(SaturatingAdd(timers.Now, delta), ~payload);
                    scheduled++;
                    break;
                case 1:
                    log.Add($"cancel from callback: {timers.Cancel(payload * 7 % scheduled)}");
                    break;
                default:
                    break;
            }
        }

        foreach (var op in ops)
        {
            switch (op.Kind)
            {
                case OpKind.Schedule:
                    timers.Schedule(SaturatingAdd(timers.Now, op.Delta), payloads++);
                    scheduled++;
                    break;
                case OpKind.Cancel when scheduled > 0:
                    log.Add($"cancel: {timers.Cancel(op.Pick % scheduled)}");
                    break;
                case OpKind.Advance:
                    log.Add($"advanced: {timers.Advance(SaturatingAdd(timers.Now, op.Delta), OnExpired)} fired");
                    break;
                default:
                    break;
            }

            log.Add($"now {timers.Now}, count {timers.Count}, next {timers.NextDeadline}");
        }

        log.Add($"drained: {timers.Advance(long.MaxValue, OnExpired)} fired, {timers.Count} left");
        return log;
    }

    private static long SaturatingAdd(long time, long delta)
    {
        long sum = unchecked(time + delta);
        return ((time ^ sum) & (delta ^ sum)) < 0 ? (delta < 0 ? long.MinValue : long.MaxValue) : sum;
    }
}
