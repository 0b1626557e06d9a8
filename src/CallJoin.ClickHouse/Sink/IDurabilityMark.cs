namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// A mark placed in the sink's stream with <see cref="ClickHouseSink.AddMark"/>: it comes back in the <see cref="SinkAck"/>
/// of its batch, in order, once everything added before it is durable.
/// </summary>
public interface IDurabilityMark
{
    /// <summary>Called once by the reader of <see cref="ClickHouseSink.Acks"/>, when the mark's batch is acknowledged.</summary>
    void OnDurable();
}
