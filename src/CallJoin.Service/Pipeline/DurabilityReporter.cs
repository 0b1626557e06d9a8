using CallJoin.ClickHouse.Sink;
using CallJoin.Service.Metrics;

namespace CallJoin.Service.Pipeline;

/// <summary>Reads the sink's acknowledgements in order, records their metrics, and tells each mark it is durable.</summary>
internal sealed class DurabilityReporter(ClickHouseSink sink, CallJoinMetrics metrics)
{
    /// <summary>Runs until the sink completes its acks channel.</summary>
    public async Task RunAsync()
    {
        await foreach (var ack in sink.Acks.ReadAllAsync().ConfigureAwait(false))
        {
            metrics.FlushLatency.Record(ack.Latency.TotalSeconds);
            metrics.Batches.Add(1);
            foreach (var mark in ack.Marks)
            {
                mark.OnDurable();
            }
        }
    }
}
