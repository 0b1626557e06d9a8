namespace CallJoin.Recording;

/// <summary>What <see cref="TopicRecorder"/> wrote: records per partition and the size of the dump.</summary>
/// <param name="Partitions">Every recorded partition, in topic then partition order (empty ranges included).</param>
/// <param name="BytesWritten">The size of the output file (compressed, for gzip).</param>
public sealed record RecordingSummary(IReadOnlyList<PartitionRecording> Partitions, long BytesWritten)
{
    /// <summary>Records written in all.</summary>
    public long Records => Partitions.Sum(p => p.Records);

    /// <summary>Records written per topic, in topic order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> RecordsByTopic =>
        [.. Partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).Select(g => new KeyValuePair<string, long>(g.Key, g.Sum(p => p.Records)))];
}
