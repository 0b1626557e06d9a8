using System.Text;
using CallJoin.Dumps;
using Confluent.Kafka;

namespace CallJoin.Recording;

/// <summary>Records topic ranges from a broker into a dump in kcat's <c>-J</c> line format, ordered by record time.</summary>
/// <remarks>
/// <para>
/// Plans each partition's offset range first (<see cref="RecordingOptions"/>), then reads all ranges with one consumer by
/// static assignment (no group is joined, nothing is committed) into a plain segment file per partition, then merges the segments by record
/// timestamp (ties in topic, then partition order; each partition's own order kept) into the output, gzip when its name
/// ends in <c>.gz</c>. Memory stays bounded (a buffer per partition); the output is written to <c>PATH.partial</c> and
/// renamed when complete, so a cancelled or failed recording leaves no half dump behind.
/// </para>
/// <para>
/// kcat's <c>broker</c> field is written as -1: Confluent.Kafka does not expose the broker a message came from. Header
/// values are decoded as UTF-8 (invalid bytes become U+FFFD). The consumer reads committed data only (librdkafka's default
/// <c>read_committed</c>), so a partition with an open transaction at its end waits for it to finish.
/// </para>
/// </remarks>
public sealed partial class TopicRecorder
{
    private const int SegmentBufferSize = 64 * 1024;
    private const int ProgressEvery = 16_384;
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(100);

    private readonly RecordingOptions _options;

    /// <summary>Checks <paramref name="options"/> and keeps them for <see cref="RecordAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are inconsistent (see <see cref="RecordingOptions.Validate"/>).</exception>
    public TopicRecorder(RecordingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Writes the planned ranges into <paramref name="outputPath"/> (replacing it), on a thread of its own.</summary>
    /// <exception cref="InvalidOperationException">A topic or partition does not exist, or the broker cannot be reached in time.</exception>
    /// <exception cref="KafkaException">The broker refused a request or cannot be reached.</exception>
    /// <exception cref="IOException">The output or work directory does not exist, or a file cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; no output is left.</exception>
    public Task<RecordingSummary> RecordAsync(string outputPath, IProgress<RecordingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        return Task.Factory.StartNew(() => Record(outputPath, progress, cancellationToken), cancellationToken,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private RecordingSummary Record(string outputPath, IProgress<RecordingProgress>? progress, CancellationToken cancellationToken)
    {
        var output = Path.GetFullPath(outputPath);
        var partial = output + ".partial";
        var workParent = _options.WorkDirectory ?? Path.GetDirectoryName(output)!;
        foreach (var directory in new[] { Path.GetDirectoryName(output)!, workParent })
        {
            if (!Directory.Exists(directory))
            {
                throw new DirectoryNotFoundException($"The directory {directory} does not exist.");
            }
        }

        var work = Path.Combine(workParent, $".calljoin-record-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            RecordingSegment[] segments;
            var keys = new MessageBytes();
            var values = new MessageBytes();
            using (var consumer = BuildConsumer(keys, values))
            {
                segments = Plan(consumer, work, cancellationToken);
                ReadSegments(consumer, segments, keys, values, progress, cancellationToken);
                consumer.Close();
            }

            Merge(segments, partial, output.EndsWith(".gz", StringComparison.OrdinalIgnoreCase), progress, cancellationToken);
            File.Move(partial, output, overwrite: true);
            var summary = new RecordingSummary(
                [.. segments.Select(s => s.Result)],
                new FileInfo(output).Length);
            progress?.Report(new(RecordingPhase.Done, summary.Records, summary.Records));
            return summary;
        }
        finally
        {
            File.Delete(partial);
            DeleteQuietly(work);
        }
    }

    private IConsumer<int, int> BuildConsumer(MessageBytes keys, MessageBytes values)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = _options.BootstrapServers,

            // Confluent.Kafka insists on a group id; with Assign and no commits the group is never joined nor written.
            GroupId = "calljoin-record",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchQueueBackoffMs = 50,
            AllowAutoCreateTopics = false,
        };
        foreach (var (key, value) in _options.Settings)
        {
            config.Set(key, value);
        }

        return new ConsumerBuilder<int, int>(config)
            .SetKeyDeserializer(keys)
            .SetValueDeserializer(values)
            .Build();
    }

    /// <summary>Reads every non-empty range into its segment file, until each partition reaches its end.</summary>
    private static void ReadSegments(IConsumer<int, int> consumer, RecordingSegment[] segments, MessageBytes keys, MessageBytes values,
        IProgress<RecordingProgress>? progress, CancellationToken cancellationToken)
    {
        var expected = segments.Sum(s => s.End - s.Start);
        var active = segments.Where(s => s.End > s.Start).ToList();
        if (active.Count == 0)
        {
            progress?.Report(new(RecordingPhase.Reading, 0, 0));
            return;
        }

        var byPartition = active.ToDictionary(s => s.TopicPartition);
        var headers = new List<KeyValuePair<string, string?>>();
        long read = 0;
        var remaining = active.Count;
        try
        {
            foreach (var segment in active)
            {
                segment.Writer = new DumpWriter(new FileStream(segment.Path, FileMode.Create, FileAccess.Write, FileShare.Read, SegmentBufferSize));
            }

            consumer.Assign(active.Select(s => new TopicPartitionOffset(s.TopicPartition, s.Start)));
            progress?.Report(new(RecordingPhase.Reading, 0, expected));
            while (remaining > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = consumer.Consume(s_pollTimeout);
                if (result is null || !byPartition.TryGetValue(result.TopicPartition, out var segment) || segment.Writer is null)
                {
                    continue;
                }

                var offset = result.Offset.Value;
                if (!result.IsPartitionEOF && offset < segment.End)
                {
                    if (Take(segment, offset, result.Message.Timestamp))
                    {
                        Write(segment, result, keys, values, headers);
                        if (++read % ProgressEvery == 0)
                        {
                            progress?.Report(new(RecordingPhase.Reading, read, expected));
                        }
                    }

                    offset++;
                }

                if (offset >= segment.End)
                {
                    if (segment.StartTime is not null)
                    {
                        segment.Start = segment.End;   // no record at or after the start time before the end
                    }

                    segment.Writer.Dispose();
                    segment.Writer = null;
                    consumer.Pause([segment.TopicPartition]);
                    remaining--;
                }
            }

            consumer.Unassign();
            progress?.Report(new(RecordingPhase.Reading, read, expected));
        }
        finally
        {
            foreach (var segment in active)
            {
                segment.Writer?.Dispose();
            }
        }
    }

    /// <summary>Applies the time cuts to the record at <paramref name="offset"/>: whether to write it (and moves the range's ends).</summary>
    private static bool Take(RecordingSegment segment, long offset, Timestamp timestamp)
    {
        var millis = timestamp.Type == TimestampType.NotAvailable ? long.MinValue : timestamp.UnixTimestampMs;
        if (millis >= segment.EndTime)
        {
            segment.End = offset;
            return false;
        }

        if (segment.StartTime is { } startTime)
        {
            if (millis < startTime)
            {
                return false;
            }

            segment.Start = offset;
            segment.StartTime = null;
        }

        return true;
    }

    private static void Write(RecordingSegment segment, ConsumeResult<int, int> result, MessageBytes keys, MessageBytes values, List<KeyValuePair<string, string?>> headers)
    {
        var message = result.Message;
        headers.Clear();
        if (message.Headers is { Count: > 0 } messageHeaders)
        {
            foreach (var header in messageHeaders)
            {
                var bytes = header.GetValueBytes();
                headers.Add(new(header.Key, bytes is null ? null : Encoding.UTF8.GetString(bytes)));
            }
        }

        var timestampType = message.Timestamp.Type switch
        {
            TimestampType.CreateTime => "create",
            TimestampType.LogAppendTime => "logappend",
            _ => "",
        };
        segment.Writer!.Write(segment.Topic, segment.Partition, result.Offset.Value, message.Timestamp.UnixTimestampMs,
            keys.Span(message.Key), message.Key >= 0, values.Span(message.Value), message.Value >= 0, timestampType, broker: -1, headers);
        segment.Records++;
    }

    /// <summary>Merges the segments by record time into the output (written to <paramref name="path"/>).</summary>
    private static void Merge(RecordingSegment[] segments, string path, bool gzip, IProgress<RecordingProgress>? progress, CancellationToken cancellationToken)
    {
        var expected = segments.Sum(s => s.Records);
        var readers = new List<DumpReader>();
        try
        {
            foreach (var segment in segments.Where(s => s.Records > 0))
            {
                readers.Add(DumpReader.Open(segment.Path, SegmentBufferSize));
            }
        }
        catch
        {
            readers.ForEach(r => r.Dispose());
            throw;
        }

        using var merge = new DumpMerge(readers);
        using var writer = DumpWriter.Create(path, gzip);
        progress?.Report(new(RecordingPhase.Merging, 0, expected));
        DumpReadResult result;
        while ((result = merge.Read()) != DumpReadResult.End)
        {
            if (result == DumpReadResult.Malformed)
            {
                throw new InvalidOperationException($"A segment file written by this recording cannot be read back: {merge.Current.Error}");
            }

            writer.Write(merge.Current);
            if (writer.Records % ProgressEvery == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new(RecordingPhase.Merging, writer.Records, expected));
            }
        }

        progress?.Report(new(RecordingPhase.Merging, writer.Records, expected));
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
