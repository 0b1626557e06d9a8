namespace CallJoin.Recording;

/// <summary>One partition's recorded range: the planned offsets [<see cref="StartOffset"/>, <see cref="EndOffset"/>) and the records written.</summary>
/// <remarks><see cref="Records"/> can be below the range's size on compacted or transactional topics (gaps, control records).</remarks>
public sealed record PartitionRecording(string Topic, int Partition, long StartOffset, long EndOffset, long Records);
