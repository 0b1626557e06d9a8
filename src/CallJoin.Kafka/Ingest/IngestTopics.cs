using CallJoin.Core.Halves;

namespace CallJoin.Kafka.Ingest;

/// <summary>The two topics read, and which side of a call each carries.</summary>
internal sealed record IngestTopics(string StartTopic, string EndTopic)
{
    public CallSide SideOf(string topic) => string.Equals(topic, StartTopic, StringComparison.Ordinal) ? CallSide.Start : CallSide.End;

    public string TopicOf(CallSide side) => side == CallSide.Start ? StartTopic : EndTopic;
}
