using Confluent.Kafka;

namespace CallJoin.Kafka.Ingest;

/// <summary>
/// Measures the lag of the assigned partitions from librdkafka's cached watermarks and positions (no broker round trip,
/// except once per assigned partition that has given no message yet: its committed offset, where reading starts).
/// </summary>
/// <remarks>Consume thread only, except <see cref="Lag"/> and <see cref="IsCaughtUp"/>, which any thread may read.</remarks>
/// <param name="assignedAt">Where reading a partition was told to start (a checkpoint's position), or Unset for its committed offset.</param>
internal sealed class LagMeter(IngestTopics topics, Func<TopicPartition, Offset> assignedAt)
{
    private readonly Dictionary<TopicPartition, long> _startOffsets = [];
    private IReadOnlyList<PartitionLag> _lag = [];
    private int _assignedCount;

    /// <summary>Lag per assigned partition at the last measurement.</summary>
    public IReadOnlyList<PartitionLag> Lag => Volatile.Read(ref _lag);

    /// <summary>
    /// Whether every assigned partition of both topics was read to its end at the last measurement (a partition not
    /// fetched yet counts as behind).
    /// </summary>
    public bool IsCaughtUp
    {
        get
        {
            var lag = Lag;
            return lag.Count > 0 && lag.Count == Volatile.Read(ref _assignedCount) && lag.All(l => l.Messages == 0);
        }
    }

    /// <summary>The assignment changed: where reading started must be asked again.</summary>
    public void Reset() => _startOffsets.Clear();

    public void Measure(IConsumer<MessageLength, MessageLength> consumer, IReadOnlyList<TopicPartition> assigned)
    {
        var lag = new List<PartitionLag>(assigned.Count);
        foreach (var tp in assigned)
        {
            var offsets = consumer.GetWatermarkOffsets(tp);
            if (offsets.High == Offset.Unset)
            {
                continue;   // not fetched yet
            }

            var position = consumer.Position(tp);
            var next = position != Offset.Unset ? position.Value : StartOffset(consumer, tp, offsets.Low);
            if (next >= 0)
            {
                lag.Add(new PartitionLag(topics.SideOf(tp.Topic), tp.Topic, tp.Partition.Value, Math.Max(0, offsets.High.Value - next)));
            }
        }

        Volatile.Write(ref _lag, lag);
        Volatile.Write(ref _assignedCount, assigned.Count);
    }

    /// <summary>
    /// Where reading a partition began: the position it was assigned at, else its committed offset (which may trail it:
    /// halves still pending hold it back), else the low watermark (earliest reset).
    /// </summary>
    private long StartOffset(IConsumer<MessageLength, MessageLength> consumer, TopicPartition tp, Offset low)
    {
        if (_startOffsets.TryGetValue(tp, out var start))
        {
            return start;
        }

        if (assignedAt(tp) is { IsSpecial: false } assigned)
        {
            _startOffsets[tp] = assigned.Value;
            return assigned.Value;
        }

        try
        {
            var committed = consumer.Committed([tp], TimeSpan.FromSeconds(5)).Single().Offset;
            start = committed != Offset.Unset ? committed.Value : low.Value;
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            return -1;   // try again at the next measurement
        }

        _startOffsets[tp] = start;
        return start;
    }
}
