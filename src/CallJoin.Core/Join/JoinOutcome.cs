namespace CallJoin.Core.Join;

/// <summary>What one event did to the join.</summary>
public enum JoinOutcome : byte
{
    /// <summary>The half waits for its partner.</summary>
    Stored,

    /// <summary>The half met its partner: one complete row.</summary>
    Matched,

    /// <summary>An exact copy of a half already seen; ignored.</summary>
    Duplicate,

    /// <summary>Same key and side as a half already seen, different content; the first is kept, an error record written.</summary>
    Conflict,

    /// <summary>Not a valid half; an error record written.</summary>
    Malformed,

    /// <summary>The message's key is not the payload's id; an error record written, the half not joined.</summary>
    KeyMismatch,

    /// <summary>A half too large for the pending store (whether or not its partner waits); an error record written.</summary>
    HalfTooLarge,
}
