namespace CallJoin.Dumps;

/// <summary>What <see cref="DumpReader.Read"/> or <see cref="DumpMerge.Read"/> found next.</summary>
public enum DumpReadResult
{
    /// <summary>A record: its fields are on the reader until the next read.</summary>
    Record,

    /// <summary>A line that is not a valid record (or a stream that cannot be read further): the reader's <c>Error</c> says why.</summary>
    Malformed,

    /// <summary>No more lines.</summary>
    End,
}
