using CallJoin.ClickHouse.Sink;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>
/// Passes inserts to the real transport, and for the first <see cref="LostAcks"/> calls_complete inserts reports a
/// timeout after the insert succeeded: the case where the client cannot know the outcome and must retry. With
/// <see cref="FailWith"/>, an insert can fail before it is sent.
/// </summary>
internal sealed class FaultyTransport(IInsertTransport inner) : IInsertTransport
{
    private int _lostAcks;

    public int LostAcks { get; init; }

    public List<string> Tokens { get; } = [];

    /// <summary>Asked before each insert (table, rows); an exception it returns is thrown instead of inserting.</summary>
    public Func<string, ReadOnlyMemory<byte>, Exception?>? FailWith { get; init; }

    /// <summary>Inserts attempted so far.</summary>
    public int Attempts
    {
        get
        {
            lock (Tokens)
            {
                return Tokens.Count;
            }
        }
    }

    public async Task InsertAsync(string table, IReadOnlyList<string> columns, ReadOnlyMemory<byte> rowBinary, string deduplicationToken, CancellationToken ct)
    {
        lock (Tokens)
        {
            Tokens.Add(deduplicationToken);
        }

        if (FailWith?.Invoke(table, rowBinary) is { } failure)
        {
            throw failure;
        }

        await inner.InsertAsync(table, columns, rowBinary, deduplicationToken, ct);
        if (table.EndsWith("calls_complete`", StringComparison.Ordinal) && Interlocked.Increment(ref _lostAcks) <= LostAcks)
        {
            throw new TimeoutException("simulated: the insert landed but its response was lost");
        }
    }
}
