using CallJoin.Dumps;
using Confluent.Kafka;

namespace CallJoin.Recording;

/// <summary>One partition's range while recording: its planned offsets, time cuts, segment file and what was written.</summary>
/// <remarks>
/// <see cref="Start"/> and <see cref="End"/> begin as the planned offsets and become the recorded ones: a start time moves
/// the start to the first record at or after it, an end time moves the end to the first record at or after it.
/// </remarks>
internal sealed class RecordingSegment(TopicPartition topicPartition, long start, long end, string path)
{
    public TopicPartition TopicPartition { get; } = topicPartition;

    public string Topic => TopicPartition.Topic;

    public int Partition => TopicPartition.Partition.Value;

    public long Start { get; set; } = start;

    public long End { get; set; } = end;

    /// <summary>Skip records until one has a timestamp at or after this (Unix ms), then take everything from it.</summary>
    public long? StartTime { get; set; }

    /// <summary>End at the first record with a timestamp at or after this (Unix ms).</summary>
    public long? EndTime { get; set; }

    public string Path { get; } = path;

    public DumpWriter? Writer { get; set; }

    public long Records { get; set; }

    public PartitionRecording Result => new(Topic, Partition, Start, End, Records);
}
