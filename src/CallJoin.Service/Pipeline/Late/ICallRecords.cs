using CallJoin.ClickHouse.Lookup;

namespace CallJoin.Service.Pipeline.Late;

/// <summary>Reads what ClickHouse already holds for calls whose halves timed out: one query per kind per batch.</summary>
internal interface ICallRecords
{
    /// <summary>
    /// Answers every key of <paramref name="starts"/> (waiting starts: their calls' rows and orphan ends) and of
    /// <paramref name="ends"/> (waiting ends: their calls' rows), one answer per key.
    /// </summary>
    /// <exception cref="Exception">Any failure; <see cref="IsTransient"/> tells whether a retry may succeed.</exception>
    Task<IReadOnlyList<LookupAnswer>> FindAsync(IReadOnlyList<LookupKey> starts, IReadOnlyList<LookupKey> ends, CancellationToken ct);

    /// <summary>Whether a failure of <see cref="FindAsync"/> is worth retrying as it is (ClickHouse away, overloaded).</summary>
    bool IsTransient(Exception error);
}
