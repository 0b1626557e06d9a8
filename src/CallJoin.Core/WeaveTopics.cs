namespace CallJoin.Core;

/// <summary>The upstream Kafka topic names for the two halves of a call.</summary>
public static class WeaveTopics
{
    /// <summary>Call starts (op name, inputs, attributes, started_at), keyed by call id.</summary>
    public const string CallStarted = "weave.call_started";

    /// <summary>Call ends (output, summary, exception, ended_at), keyed by call id.</summary>
    public const string CallEnded = "weave.call_ended";
}
