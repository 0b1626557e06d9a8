using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using Confluent.Kafka;

namespace CallJoin.Kafka.Ingest;

/// <summary>What an <see cref="IIngestHandler"/> sees of the ingest calling it: valid on the consume thread, during the call.</summary>
public interface IIngestContext
{
    /// <summary>The partitions currently read.</summary>
    IngestAssignment Assignment { get; }

    /// <summary>Lag per assigned partition at the last measurement.</summary>
    IReadOnlyList<PartitionLag> Lag { get; }

    /// <summary>Whether the partitions are paused because the handler is behind.</summary>
    bool IsPaused { get; }

    /// <summary>Non-fatal client errors so far, each retried by the client.</summary>
    long ClientErrors { get; }

    /// <summary>The last non-fatal client error (null while none).</summary>
    Error? LastClientError { get; }

    /// <summary>Reports consumed halves whose effect is durable: commits may pass their offsets.</summary>
    void MarkDurable(CallSide side, ReadOnlySpan<SourcePosition> positions);
}
