namespace CallJoin.Core.Join;

/// <summary>What <see cref="MatchedCalls"/> knows about an arriving half of a call it may have matched.</summary>
public enum MatchedCallVerdict : byte
{
    /// <summary>No matched call with this key is remembered: the half is new (or its call expired).</summary>
    Unknown,

    /// <summary>The call was matched and this half has the content hash its matched half had: a redelivery.</summary>
    Duplicate,

    /// <summary>The call was matched with a different half on this side: a conflicting duplicate.</summary>
    Conflict,
}
