using BenchmarkDotNet.Attributes;
using CallJoin.Core.State;
using CallJoin.Core.Timers;

namespace CallJoin.Benchmarks;

/// <summary>
/// The join engine's expiry wheel at its working size: a million pending halves with deadlines spread over an hour,
/// reported per timer (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class TimerWheelBenchmarks
{
    private const int Timers = 1_000_000;
    private const long Epoch = 1_700_000_000_000;
    private const long Hour = 3_600_000;

    private readonly long[] _deadlines = new long[Timers];
    private readonly int[] _cancelOrder = new int[Timers];
    private readonly TimerHandle[] _handles = new TimerHandle[Timers];
    private readonly TimerHandle[] _steadyHandles = new TimerHandle[Timers];
    private TimerWheel<ExpiryPayload> _wheel = null!;
    private TimerWheel<ExpiryPayload> _steady = null!;
    private int _steadyRound;

    [GlobalSetup]
    public void GlobalSetup()
    {
        var random = new Random(42);
        for (int i = 0; i < Timers; i++)
        {
            _deadlines[i] = Epoch + 1 + random.NextInt64(Hour);
            _cancelOrder[i] = i;
        }

        // Halves are matched (cancelled) in an order unrelated to their deadlines.
        random.Shuffle(_cancelOrder);

        _steady = new TimerWheel<ExpiryPayload>(Epoch, Timers);
        for (int i = 0; i < Timers; i++)
        {
            _steadyHandles[i] = _steady.Schedule(_deadlines[i], Payload(i));
        }
    }

    [IterationSetup(Target = nameof(Schedule))]
    public void CreateEmptyWheel() => _wheel = new TimerWheel<ExpiryPayload>(Epoch, Timers);

    [IterationSetup(Targets = [nameof(Cancel), nameof(AdvanceInSteps), nameof(AdvanceInOneJump)])]
    public void CreateFullWheel()
    {
        CreateEmptyWheel();
        Schedule();
    }

    /// <summary>Schedules a million timers into a pre-sized wheel.</summary>
    [Benchmark(OperationsPerInvoke = Timers)]
    public void Schedule()
    {
        var wheel = _wheel;
        for (int i = 0; i < Timers; i++)
        {
            _handles[i] = wheel.Schedule(_deadlines[i], Payload(i));
        }
    }

    /// <summary>Cancels a million pending timers in random order.</summary>
    [Benchmark(OperationsPerInvoke = Timers)]
    public void Cancel()
    {
        var wheel = _wheel;
        foreach (int i in _cancelOrder)
        {
            wheel.Cancel(_handles[i]);
        }
    }

    /// <summary>Fires a million timers while stream time moves through the hour in 100 ms steps.</summary>
    [Benchmark(OperationsPerInvoke = Timers)]
    public long AdvanceInSteps()
    {
        var wheel = _wheel;
        var sink = default(KindSum);
        for (long now = Epoch; now <= Epoch + Hour; now += 100)
        {
            wheel.Advance(now, ref sink);
        }

        return sink.Sum;
    }

    /// <summary>Fires a million timers in one jump over the hour (a replay catching up, or an idle wake-up).</summary>
    [Benchmark(OperationsPerInvoke = Timers)]
    public long AdvanceInOneJump()
    {
        var sink = default(KindSum);
        _wheel.Advance(Epoch + Hour, ref sink);
        return sink.Sum;
    }

    /// <summary>One half matched and one new half pending, per operation, with a million timers live.</summary>
    [Benchmark(OperationsPerInvoke = Timers)]
    [BenchmarkCategory(Categories.ZeroAllocation)]
    public void ScheduleAndCancelSteadyState()
    {
        var wheel = _steady;
        int shift = ++_steadyRound & 0xFFFF;
        for (int i = 0; i < Timers; i++)
        {
            wheel.Cancel(_steadyHandles[i]);
            _steadyHandles[i] = wheel.Schedule(_deadlines[(i + shift) % Timers], Payload(i));
        }
    }

    private static ExpiryPayload Payload(int i) => new(new CallKey((ulong)i, ~(ulong)i), (byte)(i & 1));

    /// <summary>A join key and which half it is: the engine's timer payload (17 bytes, padded to 24).</summary>
    private readonly record struct ExpiryPayload(CallKey Key, byte Kind);

    /// <summary>Reads each fired payload so the firing cannot be optimized away.</summary>
    private struct KindSum : ITimerSink<ExpiryPayload>
    {
        public long Sum;

        public void OnExpired(long deadline, in ExpiryPayload payload) => Sum += payload.Kind;
    }
}
