using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using Confluent.Kafka;

namespace CallJoin.Kafka.Ingest;

/// <summary>
/// The commit policy, the same in both ownership modes: per partition, commit the safe restart point of an
/// <see cref="OffsetLedger"/> (the lowest consumed offset whose effect is not yet durable), never past it, and only for
/// partitions this instance reads.
/// </summary>
/// <remarks>Consume thread only, except <see cref="Held"/> and <see cref="FailedCommits"/>, which any thread may read.</remarks>
internal sealed class IngestCommits(IngestTopics topics)
{
    private readonly OffsetLedger _ledger = new();
    private readonly Dictionary<(CallSide Side, int Partition), long> _committed = [];
    private readonly List<TopicPartitionOffset> _batch = [];
    private long _held;
    private long _failedCommits;

    /// <summary>Offsets held in the ledger (consumed and not yet below a safe restart point).</summary>
    public long Held => Volatile.Read(ref _held);

    /// <summary>Commits the broker refused (e.g. during a rebalance); the next one covers them.</summary>
    public long FailedCommits => Volatile.Read(ref _failedCommits);

    /// <summary>Holds a consumed offset until it is reported durable.</summary>
    public void Consumed(CallSide side, int partition, long offset)
    {
        _ledger.Consumed(side, partition, offset);
        Volatile.Write(ref _held, _ledger.Held);
    }

    /// <summary>Releases durable halves' offsets (ignored when not held: forgotten, or already passed).</summary>
    public void MarkDurable(CallSide side, ReadOnlySpan<SourcePosition> positions)
    {
        foreach (var position in positions)
        {
            _ledger.Durable(side, position.Partition, position.Offset);
        }

        Volatile.Write(ref _held, _ledger.Held);
    }

    /// <summary>Commits the safe restart point of each of <paramref name="partitions"/> that moved since its last commit.</summary>
    public void Commit(IConsumer<MessageLength, MessageLength> consumer, IReadOnlyList<TopicPartition> partitions)
    {
        _batch.Clear();
        foreach (var tp in partitions)
        {
            var side = topics.SideOf(tp.Topic);
            if (_ledger.TryGetCommitOffset(side, tp.Partition.Value, out var offset)
                && (!_committed.TryGetValue((side, tp.Partition.Value), out var last) || last != offset))
            {
                _batch.Add(new TopicPartitionOffset(tp, offset));
            }
        }

        if (_batch.Count == 0)
        {
            return;
        }

        try
        {
            consumer.Commit(_batch);
            foreach (var tpo in _batch)
            {
                _committed[(topics.SideOf(tpo.Topic), tpo.Partition.Value)] = tpo.Offset.Value;
            }
        }
        catch (KafkaException ex) when (!ex.Error.IsFatal)
        {
            // Refused (a rebalance, a coordinator move): the next commit covers it; a restart re-reads a little more.
            Interlocked.Increment(ref _failedCommits);
        }
    }

    /// <summary>Drops everything known of partitions given up.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var tp in partitions)
        {
            var side = topics.SideOf(tp.Topic);
            _ledger.Forget(side, tp.Partition.Value);
            _committed.Remove((side, tp.Partition.Value));
        }

        Volatile.Write(ref _held, _ledger.Held);
    }
}
