using System.Globalization;
using System.IO.Hashing;
using System.Text;
using CallJoin.ClickHouse.Schema;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using ClickHouse.Driver;

namespace CallJoin.Migration.Backfill;

/// <summary>
/// Copies one window of calls_merged into calls_complete: streams the merged calls, rebuilds each call's halves
/// (<see cref="MergedCallHalves"/>), builds its row with the live join's <see cref="CallRowBuilder"/> and
/// <see cref="RowVersion"/>, and writes it through the <see cref="ClickHouseSink"/> with <c>source = 'migration'</c>.
/// </summary>
/// <remarks>
/// <para>
/// Incomplete calls as the live join treats them: a start alone is a running row (version: its started_at), an end
/// alone a <c>start_missing</c> record of the rebuilt end. A call the builder refuses becomes an error record with the
/// builder's reason, about the half at fault. Error records name <c>calls_merged</c> as their topic, partition -1 and
/// an offset hashed from the call's key, so a re-run's records replace the first run's under FINAL.
/// </para>
/// <para>
/// Resume: every <see cref="BackfillOptions.ChunkRows"/> rows the sink is flushed, rows and error records in
/// separate batches. A window reads the same rows in the same order every time, and a row's bytes do not depend on
/// when it is written (its created_at is its version), so the rows' batches — and their insert tokens, prefixed with
/// the window — are the same on a re-run and ClickHouse drops them as duplicates; past the table's deduplication
/// window, equal versions still collapse under FINAL. Single-threaded.
/// </para>
/// </remarks>
public sealed class BackfillWindowCopier : IDisposable
{
    /// <summary>The <c>topic</c> of the backfill's error records.</summary>
    public const string ErrorTopic = CallsMergedTable.Name;

    /// <summary>The <c>partition</c> of the backfill's error records: not a Kafka partition.</summary>
    public const int ErrorPartition = -1;

    private readonly ClickHouseClient _client;
    private readonly BackfillOptions _options;
    private readonly RowRateLimiter _limiter;
    private readonly Action<long> _onRows;
    private readonly CallRowBuilder _builder = new();
    private readonly CallRowData _row = new();
    private readonly MergedCallHalves _halves = new();
    private readonly List<PendingError> _errors = [];
    private long _rows;

    /// <param name="client">The client to read and write with.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="limiter">Paces written rows.</param>
    /// <param name="onRows">Told the run's running total of rows written, every so often.</param>
    public BackfillWindowCopier(ClickHouseClient client, BackfillOptions options, RowRateLimiter limiter, Action<long> onRows)
    {
        _client = client;
        _options = options;
        _limiter = limiter;
        _onRows = onRows;
    }

    public void Dispose() => _halves.Dispose();

    /// <summary>The query settings that bound a read's memory: spill aggregation and sorting early, fail above the cap.</summary>
    public static QueryOptions ReadOptions(BackfillOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var spill = options.MaxQueryMemoryBytes / 2;
        return new QueryOptions
        {
            CustomSettings = new Dictionary<string, object>
            {
                ["max_memory_usage"] = options.MaxQueryMemoryBytes,
                ["max_bytes_before_external_group_by"] = spill,
                ["max_bytes_before_external_sort"] = spill,
                ["optimize_aggregation_in_order"] = 1,
            },
        };
    }

    /// <summary>Copies the window; returns what each day in it held. Throws on a memory error (the caller halves).</summary>
    public async Task<Dictionary<DateOnly, BackfillDayCounts>> CopyAsync(BackfillWindow window, CancellationToken ct)
    {
        var counts = new Dictionary<DateOnly, BackfillDayCounts>();
        var sink = new ClickHouseSink(_client, SinkOptionsFor(window));
        try
        {
            var sql = MergedCallQuery.Calls(_options.Database, window);
            using var reader = await _client.ExecuteReaderAsync(sql, null, ReadOptions(_options), ct).ConfigureAwait(false);
            var inChunk = 0;
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                _halves.Read(reader);
                await _limiter.WaitAsync(ct).ConfigureAwait(false);
                var day = _halves.Day;
                counts[day] = counts.GetValueOrDefault(day) + Copy(sink);
                _rows++;
                if (++inChunk >= _options.ChunkRows)
                {
                    await FlushChunkAsync(sink, ct).ConfigureAwait(false);
                    inChunk = 0;
                }
            }

            await FlushChunkAsync(sink, ct).ConfigureAwait(false);
            await sink.CompleteAsync(ct).ConfigureAwait(false);
            return counts;
        }
        finally
        {
            _errors.Clear();
            await sink.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Writes (or defers, for an error) the current call; returns what it counted as.</summary>
    private BackfillDayCounts Copy(ClickHouseSink sink)
    {
        var start = _halves.Start;
        var end = _halves.End;
        var position = PositionOf(_halves.ProjectId, _halves.Id);
        if (start.IsEmpty)
        {
            Defer(JoinErrorReason.StartMissing, CallSide.End, _halves.EndedAtMicros!.Value / 1000, end);
            return new BackfillDayCounts(0, 0, 1, 0);
        }

        var status = _builder.Build(start, end, _row);
        if (status != HalfParseStatus.Ok)
        {
            var side = _builder.ErrorSide;
            var millis = (side == CallSide.Start ? _halves.StartedAtMicros : _halves.EndedAtMicros)!.Value / 1000;
            Defer(_builder.Reason(status), side, millis, side == CallSide.Start ? start : end);
            if (side == CallSide.Start || _builder.Build(start, default, _row) != HalfParseStatus.Ok)
            {
                return new BackfillDayCounts(0, 0, 0, 1);
            }

            // As live: an end the join cannot read never pairs, so its start stays a running row.
            sink.AddRow(_row, RowVersion.Running(_row), new RowSources(position, default, Complete: false) { StartHalf = start });
            return new BackfillDayCounts(0, 1, 0, 1);
        }

        if (end.IsEmpty)
        {
            sink.AddRow(_row, RowVersion.Running(_row), new RowSources(position, default, Complete: false) { StartHalf = start });
            return new BackfillDayCounts(0, 1, 0, 0);
        }

        sink.AddRow(_row, RowVersion.Complete(_row), new RowSources(position, position, Complete: true) { StartHalf = start, EndHalf = end });
        return new BackfillDayCounts(1, 0, 0, 0);
    }

    /// <summary>
    /// Error records wait for the end of the chunk: written after its rows, in their own batch, so the rows' batch
    /// bytes (and insert token) do not depend on the records' created_at, which is the time of writing.
    /// </summary>
    private void Defer(string reason, CallSide side, long timestampMillis, ReadOnlySpan<byte> payload) =>
        _errors.Add(new PendingError(reason, side, timestampMillis, _halves.ProjectId, _halves.Id, payload.ToArray()));

    private async Task FlushChunkAsync(ClickHouseSink sink, CancellationToken ct)
    {
        await sink.FlushAsync(ct).ConfigureAwait(false);
        if (_errors.Count > 0)
        {
            foreach (var error in _errors)
            {
                var projectId = Encoding.UTF8.GetBytes(error.ProjectId);
                var id = Encoding.UTF8.GetBytes(error.Id);
                sink.AddError(new JoinError(error.Reason, error.Side, PositionOf(error.ProjectId, error.Id), error.TimestampMillis,
                    error.TimestampMillis, projectId, id, error.Payload));
            }

            _errors.Clear();
            await sink.FlushAsync(ct).ConfigureAwait(false);
        }

        _onRows(_rows);
    }

    /// <summary>The run's rows so far (calls and error records alike count as one).</summary>
    public long Rows => _rows;

    private SinkOptions SinkOptionsFor(BackfillWindow window) => new()
    {
        Database = _options.Database,
        Source = CallsCompleteTable.MigrationSource,
        StartTopic = ErrorTopic,
        EndTopic = ErrorTopic,
        // Batches end only where this class flushes (or at the byte cap): never on a timer, so a re-run cuts the same.
        MaxBatchDelay = TimeSpan.FromDays(1),
        MaxBatchRows = int.MaxValue,
        DeduplicationTokenPrefix = string.Create(CultureInfo.InvariantCulture,
            $"backfill-{window.From:yyyyMMddHHmmss}-{window.To:yyyyMMddHHmmss}-{_options.ChunkRows}"),
    };

    /// <summary>A stable, non-negative 63-bit offset for a call: its error record's identity in calljoin_errors.</summary>
    private static SourcePosition PositionOf(string projectId, string id)
    {
        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(projectId + "\n" + id));
        return new SourcePosition(ErrorPartition, (long)(hash & long.MaxValue));
    }

    private sealed record PendingError(string Reason, CallSide Side, long TimestampMillis, string ProjectId, string Id, byte[] Payload);
}
