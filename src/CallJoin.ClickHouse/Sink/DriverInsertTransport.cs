using System.Runtime.InteropServices;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// <see cref="IInsertTransport"/> over ClickHouse.Driver's raw stream insert: <c>INSERT INTO t (cols) FORMAT RowBinary</c>
/// with the explicit column list (no schema probe), the body gzip-compressed on the fly or sent as is.
/// </summary>
/// <remarks>Thread-safe; the client is not owned.</remarks>
public sealed class DriverInsertTransport(ClickHouseClient client, bool gzip) : IInsertTransport
{
    public async Task InsertAsync(string table, IReadOnlyList<string> columns, ReadOnlyMemory<byte> rowBinary, string deduplicationToken, CancellationToken ct)
    {
        if (!MemoryMarshal.TryGetArray(rowBinary, out var segment))
        {
            segment = rowBinary.ToArray();
        }

        using var body = new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
        var options = new QueryOptions
        {
            CustomSettings = new Dictionary<string, object> { ["insert_deduplication_token"] = deduplicationToken },
        };
        using var response = await client.InsertRawStreamAsync(table, body, "RowBinary", columns, gzip, options, ct).ConfigureAwait(false);
    }
}
