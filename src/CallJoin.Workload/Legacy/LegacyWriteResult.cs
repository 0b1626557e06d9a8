namespace CallJoin.Workload.Legacy;

/// <summary>What <see cref="LegacyCallPartsWriter"/> wrote: call_parts rows per side, and the halves it refused.</summary>
/// <param name="StartParts">call_parts rows written for starts (redeliveries included: the old server stored them again).</param>
/// <param name="EndParts">call_parts rows written for ends.</param>
/// <param name="Refused">Halves that do not parse as their side's schema; the old server's validation refused them.</param>
/// <param name="Inserts">INSERT statements sent.</param>
public readonly record struct LegacyWriteResult(long StartParts, long EndParts, long Refused, long Inserts)
{
    /// <summary>All call_parts rows written.</summary>
    public long Parts => StartParts + EndParts;
}
