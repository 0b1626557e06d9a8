using CallJoin.Core.Halves;

namespace CallJoin.Kafka.Ingest;

/// <summary>What <see cref="CoPartitionedIngest"/> hands its messages to (the join engine's adapter).</summary>
/// <remarks>
/// Called on the ingest's consume thread only, each call with the ingest's <see cref="IIngestContext"/>: report what
/// became durable through it (<see cref="IIngestContext.MarkDurable"/>), from inside these calls.
/// </remarks>
public interface IIngestHandler
{
    /// <summary>Whether downstream is behind: while true, the ingest pauses its partitions (polled before every message).</summary>
    bool IsBehind { get; }

    /// <summary>
    /// One message with its key (the call id); a null or empty key or value comes as an empty span. Both spans are
    /// reused after the call returns.
    /// </summary>
    /// <remarks>A malformed message must not throw (it becomes an error record); a throw stops the ingest.</remarks>
    void OnMessage(IIngestContext ingest, CallSide side, int partition, long offset, long timestampMillis, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>
    /// A poll returned no message (input is idle, or the partitions are paused): the moment to move stream time with the
    /// wall clock and to report durable work. Called at most every <see cref="IngestOptions.PollTimeout"/>.
    /// </summary>
    void OnIdle(IIngestContext ingest);

    /// <summary>
    /// These partition numbers (of both topics) are being given up: report what is durable and release their state before
    /// returning. Also called for all partitions on a graceful stop.
    /// </summary>
    void OnPartitionsRevoked(IIngestContext ingest, IReadOnlyList<int> partitions);
}
