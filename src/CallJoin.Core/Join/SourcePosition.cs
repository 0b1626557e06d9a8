namespace CallJoin.Core.Join;

/// <summary>Where a half came from: its partition and offset (the topic follows from its side).</summary>
public readonly record struct SourcePosition(int Partition, long Offset);
