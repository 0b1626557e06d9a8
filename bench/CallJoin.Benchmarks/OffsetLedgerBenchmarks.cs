using BenchmarkDotNet.Attributes;
using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;

namespace CallJoin.Benchmarks;

/// <summary>
/// The ingest's safe-offset ledger in its steady state: per operation one offset of each side consumed and one made
/// durable 500 behind, so 500 are held — the bookkeeping every Kafka message costs. Expected: 0 B allocated.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory(Categories.ZeroAllocation)]
public class OffsetLedgerBenchmarks
{
    private const int Window = 500;
    private OffsetLedger _ledger = null!;
    private long _next;

    [GlobalSetup]
    public void GlobalSetup()
    {
        _ledger = new OffsetLedger();
        for (_next = 0; _next < 2_000; _next++)
        {
            Step(_next);
        }
    }

    [Benchmark]
    public void ConsumeAndMakeDurable() => Step(_next++);

    private void Step(long offset)
    {
        _ledger.Consumed(CallSide.Start, 0, offset);
        _ledger.Consumed(CallSide.End, 0, offset);
        if (offset >= Window)
        {
            _ledger.Durable(CallSide.Start, 0, offset - Window);
            _ledger.Durable(CallSide.End, 0, offset - Window);
        }
    }
}
