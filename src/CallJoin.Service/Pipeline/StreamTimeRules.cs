namespace CallJoin.Service.Pipeline;

/// <summary>How the service moves stream time from record timestamps and the wall clock.</summary>
/// <param name="IdleAdvanceAfter">Once every partition is read to its end, the wall clock moves stream time after this much silence.</param>
/// <param name="MaxClockSkew">Record timestamps later than the wall clock plus this are clamped to it.</param>
/// <param name="PartitionIdleAfter">A partition behind that yields nothing this long (not paused) stops holding stream time back.</param>
internal sealed record StreamTimeRules(TimeSpan IdleAdvanceAfter, TimeSpan MaxClockSkew, TimeSpan PartitionIdleAfter);
