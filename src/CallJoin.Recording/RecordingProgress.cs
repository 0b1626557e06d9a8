namespace CallJoin.Recording;

/// <summary>A progress report of <see cref="TopicRecorder"/>: records handled in the current phase out of those expected.</summary>
/// <param name="Phase">Reading from the broker, or merging into the output.</param>
/// <param name="Records">Records read (or merged) so far in this phase.</param>
/// <param name="Expected">The offsets in the planned ranges: an upper bound on the records.</param>
public readonly record struct RecordingProgress(RecordingPhase Phase, long Records, long Expected);
