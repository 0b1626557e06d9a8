namespace CallJoin.Chaos;

/// <summary>One service process: its name (slot and start), peak resident memory and how it ended.</summary>
public sealed record ServicePeak(string Name, long PeakBytes, string Ended);
