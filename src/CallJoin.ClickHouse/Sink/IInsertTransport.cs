namespace CallJoin.ClickHouse.Sink;

/// <summary>Sends one RowBinary block as one INSERT; the sink's only contact with ClickHouse.</summary>
/// <remarks>Called concurrently by the sink's senders. Throws on failure; the sink classifies the exception.</remarks>
public interface IInsertTransport
{
    /// <summary>
    /// Inserts <paramref name="rowBinary"/> into <paramref name="table"/> (<paramref name="columns"/> in order) with
    /// <c>insert_deduplication_token</c> = <paramref name="deduplicationToken"/>.
    /// </summary>
    Task InsertAsync(string table, IReadOnlyList<string> columns, ReadOnlyMemory<byte> rowBinary, string deduplicationToken, CancellationToken ct);
}
