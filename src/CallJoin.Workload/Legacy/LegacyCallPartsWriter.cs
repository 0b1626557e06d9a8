using System.Buffers;
using System.Globalization;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using ClickHouse.Driver;

namespace CallJoin.Workload.Legacy;

/// <summary>
/// Writes call halves into <c>call_parts</c> the way the old trace server did — one row per start and one per end,
/// dumps as Python's <c>json.dumps</c> — in bulk RowBinary inserts, so that <c>calls_merged_view</c> folds them into
/// <c>calls_merged</c>. This is the legacy data the migration tools (backfill, validate) read in tests and benchmarks.
/// </summary>
/// <remarks>
/// <para>
/// Each half is read by the live join's own <see cref="CallRowBuilder"/>, so the stored dumps and refs are byte for
/// byte what the join computes from the same message. An end is built over a start carrying only its key; only the
/// end's columns are written from it. Halves the builder refuses (malformed, wrong types) are skipped and counted:
/// upstream's pydantic validation refused them before any insert.
/// </para>
/// <para>Single-threaded; one insert at a time. The client is not owned.</para>
/// </remarks>
public sealed class LegacyCallPartsWriter
{
    /// <summary>A block is sent once it holds this many bytes, whatever its row count.</summary>
    private const int MaxInsertBytes = 32 * 1024 * 1024;

    private readonly DriverInsertTransport _transport;
    private readonly string _table;
    private readonly int _rowsPerInsert;
    private readonly CallRowBuilder _builder = new();
    private readonly CallRowData _row = new();
    private readonly HalfKey _key = new();
    private readonly ArrayBufferWriter<byte> _keyOnlyStart = new(256);
    private readonly ArrayBufferWriter<byte> _block = new(1024 * 1024);

    /// <param name="client">The ClickHouse client to insert with.</param>
    /// <param name="database">The database holding call_parts; null: the client's default.</param>
    /// <param name="rowsPerInsert">call_parts rows per INSERT.</param>
    public LegacyCallPartsWriter(ClickHouseClient client, string? database = null, int rowsPerInsert = 10_000)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rowsPerInsert);
        _transport = new DriverInsertTransport(client, gzip: false);
        _table = ClickHouseIdentifier.Qualified(database, CallPartsTable.Name);
        _rowsPerInsert = rowsPerInsert;
    }

    /// <summary>Writes every event of a workload (malformed ones are refused, redeliveries stored again).</summary>
    public Task<LegacyWriteResult> WriteAsync(IEnumerable<WorkloadEvent> events, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        return WriteAsync(events.Select(e => (e.Side, (ReadOnlyMemory<byte>)e.Payload)), ct);
    }

    /// <summary>Writes halves given as (side, start or end JSON), in order.</summary>
    public async Task<LegacyWriteResult> WriteAsync(IEnumerable<(CallSide Side, ReadOnlyMemory<byte> Payload)> halves, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(halves);
        long starts = 0, ends = 0, refused = 0, inserts = 0;
        var rows = 0;
        _block.Clear();
        foreach (var (side, payload) in halves)
        {
            if (!Append(side, payload.Span))
            {
                refused++;
                continue;
            }

            _ = side == CallSide.Start ? starts++ : ends++;
            if (++rows >= _rowsPerInsert || _block.WrittenCount >= MaxInsertBytes)
            {
                await InsertAsync(ct).ConfigureAwait(false);
                inserts++;
                rows = 0;
            }
        }

        if (rows > 0)
        {
            await InsertAsync(ct).ConfigureAwait(false);
            inserts++;
        }

        return new LegacyWriteResult(starts, ends, refused, inserts);
    }

    /// <summary>Encodes one half into the open block; false when the builder refuses it.</summary>
    private bool Append(CallSide side, ReadOnlySpan<byte> payload)
    {
        if (side == CallSide.Start)
        {
            if (_builder.Build(payload, default, _row) != HalfParseStatus.Ok)
            {
                return false;
            }

            LegacyCallPartEncoder.WriteStart(_block, _row);
            return true;
        }

        if (HalfParser.TryReadKey(payload, CallSide.End, _key) != HalfParseStatus.Ok)
        {
            return false;
        }

        KeyOnlyStart.Write(_keyOnlyStart, _key.ProjectId, _key.Id);
        if (_builder.Build(_keyOnlyStart.WrittenSpan, payload, _row) != HalfParseStatus.Ok)
        {
            return false;
        }

        LegacyCallPartEncoder.WriteEnd(_block, _row);
        return true;
    }

    private async Task InsertAsync(CancellationToken ct)
    {
        // call_parts keeps no deduplication window; a unique token still keeps a test's identical blocks apart.
        var token = string.Create(CultureInfo.InvariantCulture, $"legacy-{Guid.NewGuid():N}");
        await _transport.InsertAsync(_table, LegacyCallPartEncoder.ColumnNames, _block.WrittenMemory, token, ct).ConfigureAwait(false);
        _block.Clear();
    }
}
