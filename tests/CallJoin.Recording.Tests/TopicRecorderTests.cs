using System.Text;
using CallJoin.Dumps;
using CallJoin.Recording;
using CallJoin.Testing;
using Confluent.Kafka;

namespace CallJoin.Recording.Tests;

/// <summary>The recorder against the embedded broker: exactly the planned records of each partition, merged by record time.</summary>
public sealed class TopicRecorderTests(BrokerFixture kafka) : IDisposable
{
    private const int Partitions = 3;
    private const int PerPartition = 10;
    private static readonly long s_base = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private readonly string _directory = TempDirectory.Create("record");

    [Fact]
    public async Task An_offset_range_of_every_partition_is_recorded_whole_and_in_time_order()
    {
        var (topics, produced) = await ProduceAsync();
        var output = Path.Combine(_directory, "range.jsonl");

        var summary = await Recorder(topics, o => o with { FromOffset = 2, ToOffset = 7 }).RecordAsync(output, cancellationToken: Timeout());

        var expected = Expected(produced, topics, m => m.Offset is >= 2 and < 7);
        Assert.Equal(2 * Partitions * 5, expected.Count);
        Assert.Equal(expected, ReadDump(output));
        Assert.Equal(
            topics.SelectMany(t => Enumerable.Range(0, Partitions).Select(p => new PartitionRecording(t, p, 2, 7, 5))),
            summary.Partitions);
        Assert.Equal([new(topics[0], 15L), new(topics[1], 15L)], summary.RecordsByTopic);
        Assert.Equal(new FileInfo(output).Length, summary.BytesWritten);
        Assert.Equal([Path.GetFileName(output)], Directory.GetFileSystemEntries(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_time_range_starts_and_ends_at_the_first_records_at_or_after_the_times()
    {
        var (topics, produced) = await ProduceAsync();
        var output = Path.Combine(_directory, "times.jsonl");
        var from = DateTimeOffset.FromUnixTimeMilliseconds(s_base + 3_000);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(s_base + 7_005);

        var summary = await Recorder(topics, o => o with { FromTime = from, ToTime = to }).RecordAsync(output, cancellationToken: Timeout());

        // Odd partitions are 10 ms later: offset 7 (ts base+7010) is already at or after the end, in even ones it is inside.
        var expected = Expected(produced, topics, m => m.Offset >= 3 && m.Offset < (m.Partition % 2 == 1 ? 7 : 8));
        Assert.Equal(expected, ReadDump(output));
        Assert.All(ReadDump(output), r => Assert.InRange(r.TimestampMillis, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds() - 1));
        Assert.Equal(
            [(3L, 8L, 5L), (3, 7, 4), (3, 8, 5), (3, 8, 5), (3, 7, 4), (3, 8, 5)],
            summary.Partitions.Select(p => (p.StartOffset, p.EndOffset, p.Records)));
    }

    [Fact]
    public async Task A_start_time_after_every_record_and_a_start_time_with_an_end_offset_are_cut_as_planned()
    {
        var (topics, produced) = await ProduceAsync();
        var late = Path.Combine(_directory, "late.jsonl");
        var early = Path.Combine(_directory, "early.jsonl");

        var none = await Recorder(topics, o => o with { FromTime = DateTimeOffset.FromUnixTimeMilliseconds(s_base + 60_000) })
            .RecordAsync(late, cancellationToken: Timeout());
        var some = await Recorder(topics, o => o with { FromTime = DateTimeOffset.FromUnixTimeMilliseconds(s_base + 8_001), ToOffset = 9 })
            .RecordAsync(early, cancellationToken: Timeout());

        Assert.Equal(0, none.Records);
        Assert.Empty(ReadDump(late));
        Assert.Equal(Expected(produced, topics, m => m.Offset == 8 && m.Partition % 2 == 1), ReadDump(early));
    }

    [Fact]
    public async Task By_default_the_end_is_the_high_watermark_when_recording_starts_and_gzip_follows_the_name()
    {
        var (topics, produced) = await ProduceAsync();
        var output = Path.Combine(_directory, "all.jsonl.gz");
        using var producer = new ProducerBuilder<string?, string?>(kafka.ProducerConfig()).Build();
        var late = 0;

        // Reported on the recorder's thread once the ranges are planned and before anything is read: these come too late.
        var progress = new SyncProgress(p =>
        {
            if (p.Phase == RecordingPhase.Reading && Interlocked.Exchange(ref late, 1) == 0)
            {
                foreach (var topic in topics)
                {
                    for (var partition = 0; partition < Partitions; partition++)
                    {
                        producer.Produce(new TopicPartition(topic, partition), new Message<string?, string?> { Key = "late", Value = "late" });
                    }
                }

                Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
            }
        });

        var summary = await Recorder(topics, o => o with { Partitions = [2, 0] }).RecordAsync(output, progress, Timeout());

        Assert.Equal(1, late);
        Assert.Equal(PerPartition + 1, (await kafka.EndOffsetsAsync(topics[0], Partitions))[0]);
        Assert.Equal([0x1f, 0x8b], (await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken))[..2]);
        Assert.Equal(Expected(produced, topics, m => m.Partition != 1), ReadDump(output));
        Assert.Equal([(topics[0], 0), (topics[0], 2), (topics[1], 0), (topics[1], 2)], summary.Partitions.Select(p => (p.Topic, p.Partition)));
        Assert.All(summary.Partitions, p => Assert.Equal((0L, (long)PerPartition, (long)PerPartition), (p.StartOffset, p.EndOffset, p.Records)));
        Assert.Equal(RecordingPhase.Done, progress.Last.Phase);
    }

    [Fact]
    public async Task Empty_ranges_make_an_empty_dump()
    {
        var (topics, _) = await ProduceAsync();
        var output = Path.Combine(_directory, "empty.jsonl");

        var summary = await Recorder(topics, o => o with { FromOffset = 50 }).RecordAsync(output, cancellationToken: Timeout());

        Assert.Equal(0, summary.Records);
        Assert.All(summary.Partitions, p => Assert.Equal((10L, 10L), (p.StartOffset, p.EndOffset)));
        Assert.Empty(await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_missing_topic_or_partition_is_a_clear_error_and_leaves_no_file()
    {
        var (topics, _) = await ProduceAsync();
        var output = Path.Combine(_directory, "missing.jsonl");
        var missingTopic = kafka.UniqueName("absent");

        var noTopic = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Recorder([topics[0], missingTopic], o => o).RecordAsync(output, cancellationToken: Timeout()));
        Assert.Contains(missingTopic, noTopic.Message, StringComparison.Ordinal);

        var noPartition = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Recorder(topics, o => o with { Partitions = [1, 7] }).RecordAsync(output, cancellationToken: Timeout()));
        Assert.Contains("no partition 7", noPartition.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public async Task A_cancelled_recording_leaves_neither_output_nor_segments()
    {
        var (topics, _) = await ProduceAsync();
        var output = Path.Combine(_directory, "cancelled.jsonl");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var progress = new SyncProgress(p =>
        {
            if (p.Phase == RecordingPhase.Reading)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Recorder(topics, o => o).RecordAsync(output, progress, cancel.Token));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public void Inconsistent_options_are_rejected_before_anything_runs()
    {
        var options = new RecordingOptions { BootstrapServers = kafka.BootstrapServers };
        Assert.Throws<ArgumentException>(() => new TopicRecorder(options with { FromOffset = 1, FromTime = DateTimeOffset.UnixEpoch }));
        Assert.Throws<ArgumentException>(() => new TopicRecorder(options with { FromOffset = 5, ToOffset = 4 }));
        Assert.Throws<ArgumentException>(() => new TopicRecorder(options with { Topics = ["a", "a"] }));
        Assert.Throws<ArgumentException>(() => new TopicRecorder(options with { Partitions = [-1] }));
    }

    public void Dispose() => TempDirectory.Delete(_directory);

    private static CancellationToken Timeout()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(120));
        return cts.Token;
    }

    private static List<Produced> Expected(List<Produced> produced, IReadOnlyList<string> topics, Func<Produced, bool> include) =>
        [.. produced.Where(include).OrderBy(m => m.TimestampMillis).ThenBy(m => topics.ToList().IndexOf(m.Topic)).ThenBy(m => m.Partition).ThenBy(m => m.Offset)];

    private static List<Produced> ReadDump(string path)
    {
        using var reader = DumpReader.Open(path);
        var records = new List<Produced>();
        DumpReadResult result;
        while ((result = reader.Read()) != DumpReadResult.End)
        {
            Assert.Equal(DumpReadResult.Record, result);
            Assert.Equal("create", reader.TimestampType);
            Assert.Equal(-1, reader.Broker);
            records.Add(new Produced(reader.Topic, reader.Partition, reader.Offset, reader.TimestampMillis,
                reader.HasKey ? Encoding.UTF8.GetString(reader.Key) : null,
                reader.HasPayload ? Encoding.UTF8.GetString(reader.Payload) : null,
                string.Join(";", reader.Headers.Select(h => $"{h.Key}={h.Value ?? "<null>"}"))));
        }

        return records;
    }

    /// <summary>
    /// Two topics × 3 partitions × 10 messages. Message i of partition p has timestamp base + i s (+10 ms in odd partitions),
    /// so both topics and partitions 0 and 2 tie; key null at i = 4, value null at i = 7, headers at every third.
    /// </summary>
    private async Task<(IReadOnlyList<string> Topics, List<Produced> Produced)> ProduceAsync()
    {
        var topics = kafka.CreateTopics(Partitions, "rec-starts", "rec-ends");
        var produced = new List<Produced>();
        using var producer = new ProducerBuilder<string?, string?>(kafka.ProducerConfig()).Build();
        foreach (var topic in topics)
        {
            for (var partition = 0; partition < Partitions; partition++)
            {
                for (var i = 0; i < PerPartition; i++)
                {
                    var message = new Message<string?, string?>
                    {
                        Key = i == 4 ? null : $"call-{partition}-{i}",
                        Value = i == 7 ? null : $$"""{"id":"call-{{partition}}-{{i}}","text":"line\nbreak \"quoted\" é"}""",
                        Timestamp = new Timestamp(s_base + (i * 1_000) + (partition % 2 * 10), TimestampType.CreateTime),
                        Headers = i % 3 == 0 ? new Headers { { "n", Encoding.UTF8.GetBytes($"{i}") }, { "none", null } } : null,
                    };
                    var result = await producer.ProduceAsync(new TopicPartition(topic, partition), message, TestContext.Current.CancellationToken);
                    produced.Add(new Produced(topic, partition, result.Offset.Value, message.Timestamp.UnixTimestampMs, message.Key, message.Value,
                        i % 3 == 0 ? $"n={i};none=<null>" : ""));
                }
            }
        }

        return (topics, produced);
    }

    private TopicRecorder Recorder(IReadOnlyList<string> topics, Func<RecordingOptions, RecordingOptions> configure) =>
        new(configure(new RecordingOptions { BootstrapServers = kafka.BootstrapServers, Topics = topics }));

    private sealed record Produced(string Topic, int Partition, long Offset, long TimestampMillis, string? Key, string? Payload, string Headers);

    /// <summary>Runs the handler on the reporting thread (unlike <see cref="Progress{T}"/>), so the test can act at a known point.</summary>
    private sealed class SyncProgress(Action<RecordingProgress> handle) : IProgress<RecordingProgress>
    {
        public RecordingProgress Last { get; private set; }

        public void Report(RecordingProgress value)
        {
            Last = value;
            handle(value);
        }
    }
}
