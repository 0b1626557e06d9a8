using BenchmarkDotNet.Attributes;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Core.State;

namespace CallJoin.Benchmarks;

/// <summary>
/// The matched-call memory in its steady state: an hour's retention holding ~900k calls in 33 live buckets, one call
/// matched every 4 ms of stream time, so buckets are dropped and their tables reused as the benchmark runs. Reported per
/// operation (OperationsPerInvoke). Expected: 0 B allocated.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.ZeroAllocation)]
public class MatchedCallsBenchmarks
{
    private const int Batch = 100_000;
    private const long Epoch = 1_700_000_000_000;
    private const long Step = 4;
    private const long Hour = 3_600_000;

    private MatchedCalls _calls = null!;
    private long _next;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _calls = new MatchedCalls(TimeSpan.FromMilliseconds(Hour));

        // Two retentions, so every bucket slot has been filled, dropped and refilled at its steady size.
        while (_next < 2 * Hour / Step)
        {
            AddNext();
        }
    }

    /// <summary>Moves stream time one step and remembers one newly matched call.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void Add()
    {
        for (int i = 0; i < Batch; i++)
        {
            AddNext();
        }
    }

    /// <summary>A redelivered half of a call matched a random while ago: found, and classified as a duplicate.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int RecogniseRedelivered()
    {
        var duplicates = 0;
        var live = Hour / Step;
        for (long i = 0; i < Batch; i++)
        {
            var n = _next - 1 - ((i * 7_919) % live);
            duplicates += _calls.Recognise(Key(n), CallSide.End, (ulong)~n) == MatchedCallVerdict.Duplicate ? 1 : 0;
        }

        return duplicates;
    }

    /// <summary>A call's first half (the common case): not remembered, so every live bucket is probed.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int RecogniseNew()
    {
        var unknown = 0;
        for (long i = 0; i < Batch; i++)
        {
            unknown += _calls.Recognise(Key(-1 - i), CallSide.Start, 1) == MatchedCallVerdict.Unknown ? 1 : 0;
        }

        return unknown;
    }

    private void AddNext()
    {
        var now = Epoch + (_next * Step);
        _calls.Advance(now);
        _calls.Add(Key(_next), (ulong)_next, (ulong)~_next, now);
        _next++;
    }

    private static CallKey Key(long n) => new((ulong)n, 0x5eed);
}
