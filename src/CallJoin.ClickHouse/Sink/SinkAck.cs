namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// A batch is durable: its rows and error records are in ClickHouse (or, for rows ClickHouse rejected for good, their
/// error records are). Acks arrive in batch order, so every mark of this and all earlier batches is durable.
/// </summary>
/// <param name="Sequence">The batch's number, from 0, gap-free.</param>
/// <param name="Rows">calls_complete rows written.</param>
/// <param name="Errors">Error records sent (join errors and rejected rows); one ClickHouse refuses for good is dropped and counted in <see cref="ClickHouseSink.DroppedErrorRecords"/>.</param>
/// <param name="Rejected">Rows ClickHouse refused for good, written to the error table instead.</param>
/// <param name="Marks">The marks given to <see cref="ClickHouseSink.AddMark"/> while this batch was open, in order.</param>
/// <param name="Latency">From sealing the batch to this ack: the flush latency, retries and waiting for earlier batches included.</param>
public sealed record SinkAck(long Sequence, int Rows, int Errors, int Rejected, IReadOnlyList<IDurabilityMark> Marks, TimeSpan Latency = default);
