using System.Collections.Concurrent;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Service.Metrics;

namespace CallJoin.Service.Pipeline;

/// <summary>
/// The join engine's output in the service: rows and error records go to the ClickHouse sink, and every released half
/// is noted so its offset can be committed once what released it is durable.
/// </summary>
/// <remarks>Engine thread only, except the marks placed in the sink, which the ack reader queues on <see cref="Durable"/>.</remarks>
internal sealed class SinkJoinOutput(ClickHouseSink sink, CallJoinMetrics metrics, TimeProvider time) : IJoinOutput
{
    private readonly ConcurrentQueue<ReleasedHalves> _pool = new();
    private ReleasedHalves? _released;

    /// <summary>Released halves not yet handed to the sink.</summary>
    public int PendingReleases => _released?.Count ?? 0;

    /// <summary>Released halves whose marks the sink has reached: theirs to report to the ingest (engine thread).</summary>
    public ConcurrentQueue<ReleasedHalves> Durable { get; } = new();

    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        sink.AddRow(row, createdAtMillis, sources);
        if (sources.ReleasesStart)
        {
            OnReleased(CallSide.Start, sources.Start);
        }

        if (sources.ReleasesEnd)
        {
            OnReleased(CallSide.End, sources.End);
        }

        if (sources.Complete)
        {
            // A complete row's created_at is the call's ended_at: this measures from the call ending (the client
            // sending its end, Kafka and our queueing included) to its row reaching the sink.
            metrics.JoinLatency.Record(Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - createdAtMillis) / 1000.0);
        }
    }

    public void OnError(in JoinError error)
    {
        sink.AddError(error);
        metrics.CountError(error.Reason);
        if (error.ReleasesHalf)
        {
            OnReleased(error.Side, error.Position);
        }
    }

    public void OnReleased(CallSide side, SourcePosition position) =>
        (_released ??= ReleasedHalves.Rent(Durable, _pool)).Add(side, position);

    /// <summary>Places the released halves in the sink as a mark; they come back in <see cref="Durable"/> once reached.</summary>
    public void MarkReleased()
    {
        if (_released is { Count: > 0 } released)
        {
            _released = null;
            sink.AddMark(released);
        }
    }
}
