using Confluent.Kafka;

namespace CallJoin.Recording;

/// <summary>Planning: each partition's offset range and time cuts, before anything is read.</summary>
public sealed partial class TopicRecorder
{
    /// <summary>Each partition's [start, end) from the metadata, the watermarks and (for time bounds) offsets-for-times.</summary>
    private RecordingSegment[] Plan(IConsumer<int, int> consumer, string work, CancellationToken cancellationToken)
    {
        var timeout = _options.RequestTimeout;
        var partitions = Partitions(consumer);
        var fromTime = _options.FromTime?.ToUnixTimeMilliseconds();
        var toTime = _options.ToTime?.ToUnixTimeMilliseconds();
        var starts = fromTime is { } from ? OffsetsForTime(consumer, partitions, from) : null;
        var ends = toTime is { } to ? OffsetsForTime(consumer, partitions, to) : null;

        var segments = new RecordingSegment[partitions.Count];
        var unanswered = new List<(RecordingSegment Segment, long Low, long High, long End)>();
        for (var i = 0; i < partitions.Count; i++)
        {
            var partition = partitions[i];
            var watermarks = consumer.QueryWatermarkOffsets(partition, timeout);
            long low = watermarks.Low, high = watermarks.High;
            var segment = new RecordingSegment(partition, low, high, Path.Combine(work, $"{i}.jsonl")) { StartTime = fromTime, EndTime = toTime };
            segments[i] = segment;

            // offsets-for-times gives -1 when no record is at or after the time: nothing to start at, nothing to cut at.
            var end = _options.ToOffset ?? (ends is not null && ends[i] >= 0 ? ends[i] : high);
            if (starts is not null && starts[i] < 0 && high > low)
            {
                unanswered.Add((segment, low, high, end));
                continue;
            }

            SetRange(segment, _options.FromOffset ?? (starts is null ? low : starts[i] < 0 ? high : starts[i]), end, low, high);
        }

        // A broker that cannot look up times (librdkafka's mock cluster) answers -1 too. If the partition's last record is at
        // or after the start time, that answer is wrong: read from the earliest offset and let the per-record cut find the start.
        if (unanswered.Count > 0)
        {
            var last = TimestampsAt(consumer, [.. unanswered.Select(u => new TopicPartitionOffset(u.Segment.TopicPartition, u.High - 1))], cancellationToken);
            foreach (var (segment, low, high, end) in unanswered)
            {
                var scan = last[segment.TopicPartition] is not { } lastTime || lastTime >= fromTime;
                SetRange(segment, scan ? low : high, end, low, high);
            }
        }

        return segments;
    }

    private static void SetRange(RecordingSegment segment, long start, long end, long low, long high)
    {
        segment.Start = Math.Clamp(start, low, high);
        segment.End = Math.Clamp(end, segment.Start, high);
    }

    /// <summary>The topics' partitions to record, in topic order then partition order; checks they exist.</summary>
    private List<TopicPartition> Partitions(IConsumer<int, int> consumer)
    {
        var partitions = new List<TopicPartition>();
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        foreach (var topic in _options.Topics)
        {
            var metadata = admin.GetMetadata(topic, _options.RequestTimeout).Topics.SingleOrDefault(t => t.Topic == topic);
            if (metadata is null || metadata.Error.IsError || metadata.Partitions.Count == 0)
            {
                throw new InvalidOperationException($"Cannot record topic {topic}: {metadata?.Error.Reason ?? "not in the metadata"}.");
            }

            var existing = metadata.Partitions.Select(p => p.PartitionId).Order().ToList();
            var wanted = _options.Partitions?.Distinct().Order().ToList() ?? existing;
            var missing = wanted.Except(existing).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Topic {topic} has no partition {string.Join(", ", missing)} (it has {existing.Count}: 0 to {existing.Count - 1}).");
            }

            partitions.AddRange(wanted.Select(p => new TopicPartition(topic, p)));
        }

        return partitions;
    }

    private List<long> OffsetsForTime(IConsumer<int, int> consumer, List<TopicPartition> partitions, long unixMillis)
    {
        var timestamp = new Timestamp(unixMillis, TimestampType.CreateTime);
        var found = consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, timestamp)), _options.RequestTimeout);
        var byPartition = found.ToDictionary(f => f.TopicPartition, f => f.Offset.Value);
        return [.. partitions.Select(p => byPartition.TryGetValue(p, out var offset) ? offset : -1)];
    }

    /// <summary>The timestamp of the record at each position (null when it is not a message, or has no timestamp), by reading it.</summary>
    private static Dictionary<TopicPartition, long?> TimestampsAt(IConsumer<int, int> consumer, List<TopicPartitionOffset> positions, CancellationToken cancellationToken)
    {
        var last = new Dictionary<TopicPartition, long?>();
        var wanted = positions.Select(p => p.TopicPartition).ToHashSet();
        consumer.Assign(positions);
        while (last.Count < positions.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = consumer.Consume(s_pollTimeout);
            if (result is null || !wanted.Contains(result.TopicPartition) || last.ContainsKey(result.TopicPartition))
            {
                continue;
            }

            last[result.TopicPartition] = result.IsPartitionEOF || result.Message.Timestamp.Type == TimestampType.NotAvailable
                ? null
                : result.Message.Timestamp.UnixTimestampMs;
        }

        consumer.Unassign();
        return last;
    }
}
