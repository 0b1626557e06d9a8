using CallJoin.Core.Halves;

namespace CallJoin.Workload;

/// <summary>One message of a workload: its topic (by side), Kafka key, value and record timestamp.</summary>
/// <param name="Side">Start goes to the starts topic, End to the ends topic.</param>
/// <param name="Key">The Kafka key: the call id as UTF-8 (for a malformed message, a fresh id).</param>
/// <param name="Payload">The message value: the trace server's insert JSON in UTF-8 (or the bad bytes).</param>
/// <param name="TimestampMillis">The record timestamp, ms since the Unix epoch; non-decreasing in publish order.</param>
/// <param name="Kind">What the message is in the plan.</param>
/// <remarks>The arrays are the event's own: nothing else holds or reuses them.</remarks>
public readonly record struct WorkloadEvent(CallSide Side, byte[] Key, byte[] Payload, long TimestampMillis, WorkloadEventKind Kind);
