namespace CallJoin.Core.Join;

/// <summary>Which halves a row came from, and whether writing it releases them. Valid only during the output callback.</summary>
/// <remarks>
/// A ref struct so that it can carry the raw halves without copying them: an output that cannot write the row (the
/// ClickHouse sink's <c>oversize_row</c>) keeps them in its error record instead.
/// </remarks>
public readonly ref struct RowSources
{
    /// <param name="Start">The start's partition and offset.</param>
    /// <param name="End">The end's (default for a running row).</param>
    /// <param name="Complete">
    /// True for a complete row: once it is durable, neither half needs to be read again (unless
    /// <see cref="ReleasesStart"/> / <see cref="ReleasesEnd"/> say otherwise: a half completed from a lookup releases
    /// only itself). A running row releases nothing unless <see cref="ReleasesStart"/> is set.
    /// </param>
#pragma warning disable IDE1006 // Named like the positional record it was, so callers keep writing Complete: true.
    public RowSources(SourcePosition Start, SourcePosition End, bool Complete)
#pragma warning restore IDE1006
    {
        this.Start = Start;
        this.End = End;
        this.Complete = Complete;
        ReleasesStart = Complete;
        ReleasesEnd = Complete;
    }

    /// <summary>The start's partition and offset.</summary>
    public SourcePosition Start { get; }

    /// <summary>The end's partition and offset (default for a running row).</summary>
    public SourcePosition End { get; }

    /// <summary>True for a complete row, false for a running row.</summary>
    public bool Complete { get; }

    /// <summary>Whether the row's durability releases the start (by default: a complete row's).</summary>
    public bool ReleasesStart { get; init; }

    /// <summary>Whether the row's durability releases the end (by default: a complete row's).</summary>
    public bool ReleasesEnd { get; init; }

    /// <summary>The start message the row was built from, as received; empty when the caller did not give it.</summary>
    public ReadOnlySpan<byte> StartHalf { get; init; }

    /// <summary>The end message the row was built from, as received; empty for a running row or when not given.</summary>
    public ReadOnlySpan<byte> EndHalf { get; init; }
}
