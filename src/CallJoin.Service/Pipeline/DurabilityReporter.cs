using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Kafka.Ingest;
using CallJoin.Service.Metrics;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// Reads the sink's acknowledgements in order and reports the halves each one made durable to the ingest, which may
/// then commit past them.
/// </summary>
internal sealed class DurabilityReporter(ClickHouseSink sink, CoPartitionedIngest ingest, CallJoinMetrics metrics)
{
    /// <summary>Runs until the sink completes its acks channel.</summary>
    public async Task RunAsync()
    {
        await foreach (var ack in sink.Acks.ReadAllAsync().ConfigureAwait(false))
        {
            metrics.FlushLatency.Record(ack.Latency.TotalSeconds);
            metrics.Batches.Add(1);
            foreach (var token in ack.Checkpoints)
            {
                switch (token)
                {
                    case ReleasedHalves released:
                        ingest.Durable(CallSide.Start, released.Starts);
                        ingest.Durable(CallSide.End, released.Ends);
                        released.Return();
                        break;
                    case SinkBarrier barrier:
                        barrier.Reach();
                        break;
                }
            }
        }
    }
}
