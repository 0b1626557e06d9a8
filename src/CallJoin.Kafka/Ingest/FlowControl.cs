using Confluent.Kafka;

namespace CallJoin.Kafka.Ingest;

/// <summary>
/// Pauses all assigned partitions while the handler is behind (or too many offsets are held) and resumes them when it
/// has drained (and the held offsets are down to half); the consume loop keeps polling meanwhile.
/// </summary>
/// <remarks>Consume thread only, except <see cref="IsPaused"/> and <see cref="Pauses"/>, which any thread may read.</remarks>
internal sealed class FlowControl(long maxHeldOffsets)
{
    private volatile bool _paused;
    private bool _assignmentChanged;
    private long _pauses;

    public bool IsPaused => _paused;

    public long Pauses => Volatile.Read(ref _pauses);

    /// <summary>A rebalance assigned partitions: while paused, they must be paused too.</summary>
    public void OnAssigned() => _assignmentChanged = true;

    public void Update(IConsumer<MessageLength, MessageLength> consumer, IReadOnlyList<TopicPartition> assigned, bool behind, long held)
    {
        if (assigned.Count == 0)
        {
            return;
        }

        if (!_paused)
        {
            if (behind || held > maxHeldOffsets)
            {
                consumer.Pause(assigned);
                _paused = true;
                _assignmentChanged = false;
                Interlocked.Increment(ref _pauses);
            }

            return;
        }

        if (_assignmentChanged)
        {
            consumer.Pause(assigned);
            _assignmentChanged = false;
        }

        if (!behind && held <= maxHeldOffsets / 2)
        {
            consumer.Resume(assigned);
            _paused = false;
        }
    }
}
