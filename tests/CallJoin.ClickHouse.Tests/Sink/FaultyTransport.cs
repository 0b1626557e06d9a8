using CallJoin.ClickHouse.Sink;

namespace CallJoin.ClickHouse.Tests.Sink;

/// <summary>
/// Passes inserts to the real transport, and for the first <see cref="LostAcks"/> calls_complete inserts reports a
/// timeout after the insert succeeded: the case where the client cannot know the outcome and must retry.
/// </summary>
internal sealed class FaultyTransport(IInsertTransport inner) : IInsertTransport
{
    private int _lostAcks;

    public int LostAcks { get; init; }

    public List<string> Tokens { get; } = [];

    public async Task InsertAsync(string table, IReadOnlyList<string> columns, ReadOnlyMemory<byte> rowBinary, string deduplicationToken, CancellationToken ct)
    {
        lock (Tokens)
        {
            Tokens.Add(deduplicationToken);
        }

        await inner.InsertAsync(table, columns, rowBinary, deduplicationToken, ct);
        if (table.EndsWith("calls_complete", StringComparison.Ordinal) && Interlocked.Increment(ref _lostAcks) <= LostAcks)
        {
            throw new TimeoutException("simulated: the insert landed but its response was lost");
        }
    }
}
