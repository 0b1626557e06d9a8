namespace CallJoin.Recording;

/// <summary>Where a recording is.</summary>
public enum RecordingPhase
{
    /// <summary>Reading the partitions from the broker into per-partition segment files.</summary>
    Reading,

    /// <summary>Merging the segments by record time into the output.</summary>
    Merging,

    /// <summary>The output is complete.</summary>
    Done,
}
