namespace CallJoin.Core.Join;

/// <summary>Which halves a row came from, and whether writing it releases them.</summary>
/// <param name="Start">The start's partition and offset.</param>
/// <param name="End">The end's (default for a running row).</param>
/// <param name="Complete">
/// True for a complete row: once it is durable, neither half needs to be read again. A running row releases
/// nothing: its start stays in state for its end.
/// </param>
public readonly record struct RowSources(SourcePosition Start, SourcePosition End, bool Complete);
