using System.Text;
using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Lookup;

/// <summary>
/// Finds, for a half whose partner came late, what ClickHouse already holds of its call: the running row a start left
/// in calls_complete (<see cref="FindCallsAsync"/>) or the end a <c>start_missing</c> record kept in calljoin_errors
/// (<see cref="FindStartMissingAsync"/>). One query per batch of at most <see cref="MaxKeysPerQuery"/> keys, never one
/// per key; the tables are the sink's (<see cref="SinkOptions.Database"/>, <see cref="SinkOptions.CallsTable"/>,
/// <see cref="SinkOptions.ErrorsTable"/>).
/// </summary>
/// <remarks>
/// <para>
/// Results are read as RowBinary, so every string comes back byte for byte. A failure throws what the driver threw
/// (or <see cref="EndOfStreamException"/> for a response cut off mid-row); <see cref="IsTransient"/> classifies it as
/// the sink classifies its inserts, so the caller retries the transient ones. Batches are sent one after another.
/// </para>
/// <para>
/// Memory: a batch's running rows are all held until it returns (dumps up to the row builder's limit each), so a
/// caller with large rows asks in smaller batches; complete and deleted rows come back without their dumps. A
/// statement over ClickHouse's default <c>max_query_size</c> (very long keys) raises that setting for its query,
/// which a <c>readonly = 1</c> user may not do.
/// </para>
/// <para>Thread-safe (the client is, and nothing else is shared); the client is not owned.</para>
/// </remarks>
public sealed class LatePartnerLookup
{
    /// <summary>The default most keys per query: about 160 KiB of SQL for UUID-sized keys.</summary>
    public const int DefaultMaxKeysPerQuery = 1000;

    /// <summary>ClickHouse's default <c>max_query_size</c>; a longer statement raises the setting for its query.</summary>
    private const int DefaultMaxQuerySize = 256 * 1024;

    /// <summary>The string columns between deleted_at and wb_run_step in <see cref="LookupSql.Calls"/>, in order.</summary>
    private static readonly HalfField[] s_namesAndIds =
    [
        HalfField.TraceId, HalfField.OpName, HalfField.ParentId, HalfField.DisplayName,
        HalfField.WbUserId, HalfField.WbRunId, HalfField.ThreadId, HalfField.TurnId,
    ];

    private readonly ClickHouseClient _client;
    private readonly SinkOptions _options;
    private readonly string _callsTable;
    private readonly string _errorsTable;

    /// <param name="client">
    /// The client the sink writes with, e.g. <c>new ClickHouseClient(endpoint.ConnectionString)</c> for a
    /// <see cref="ClickHouseEndpoint"/> (any client of the same server and user).
    /// </param>
    /// <param name="options">The sink's options: the tables, and the error codes <see cref="IsTransient"/> uses.</param>
    /// <param name="maxKeysPerQuery">The most keys one query carries; larger batches are split.</param>
    public LatePartnerLookup(ClickHouseClient client, SinkOptions options, int maxKeysPerQuery = DefaultMaxKeysPerQuery)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxKeysPerQuery);
        options.Validate();
        _client = client;
        _options = options;
        _callsTable = ClickHouseIdentifier.Qualified(options.Database, options.CallsTable);
        _errorsTable = ClickHouseIdentifier.Qualified(options.Database, options.ErrorsTable);
        MaxKeysPerQuery = maxKeysPerQuery;
    }

    /// <summary>The most keys one query carries.</summary>
    public int MaxKeysPerQuery { get; }

    /// <summary>
    /// The state of each call's current calls_complete row, in the order of <paramref name="keys"/> (a key given
    /// twice gets the same result twice): not found, running (with its row), complete, or deleted.
    /// </summary>
    public async Task<IReadOnlyList<StoredCall>> FindCallsAsync(IReadOnlyList<LookupKey> keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var results = new StoredCall[keys.Count];
        for (var from = 0; from < keys.Count; from += MaxKeysPerQuery)
        {
            var count = Math.Min(MaxKeysPerQuery, keys.Count - from);
            var wanted = Index(keys, from, count);
            var sql = LookupSql.Calls(_callsTable, keys, from, count);
            using var result = await _client.ExecuteRawResultAsync(sql, QueryOptionsFor(sql), ct).ConfigureAwait(false);
            using var body = await result.ReadAsStreamAsync().ConfigureAwait(false);
            var reader = new RowBinaryResultReader(body);
            var discard = new CallRowData();
            while (await reader.HasMoreAsync(ct).ConfigureAwait(false))
            {
                var projectId = (await reader.ReadStringAsync(ct).ConfigureAwait(false)).ToArray();
                var id = (await reader.ReadStringAsync(ct).ConfigureAwait(false)).ToArray();
                wanted.TryGetValue(Composite(projectId, id), out var indexes);
                var row = indexes is null ? discard : new CallRowData();
                row.Set(HalfField.ProjectId, projectId);
                row.Set(HalfField.Id, id);
                var (createdAt, state) = await ReadCallAsync(reader, row, ct).ConfigureAwait(false);
                if (indexes is null)
                {
                    continue;   // a pair not asked for whose project and id were each asked for
                }

                var found = new StoredCall(keys[indexes[0]], state, state == StoredCallState.Running ? row : null, createdAt);
                foreach (var i in indexes)
                {
                    results[i] = found;
                }
            }

            for (var i = from; i < from + count; i++)
            {
                results[i] ??= new StoredCall(keys[i], StoredCallState.NotFound, null, 0);
            }
        }

        return results;
    }

    /// <summary>
    /// For each key, the end kept by its <c>start_missing</c> record (the earliest, should there be several), or null,
    /// in the order of <paramref name="keys"/>. Records of any other reason are not looked at.
    /// </summary>
    public async Task<IReadOnlyList<StartMissingEnd?>> FindStartMissingAsync(IReadOnlyList<LookupKey> keys, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var results = new StartMissingEnd?[keys.Count];
        for (var from = 0; from < keys.Count; from += MaxKeysPerQuery)
        {
            var count = Math.Min(MaxKeysPerQuery, keys.Count - from);
            var wanted = Index(keys, from, count);
            var sql = LookupSql.StartMissing(_errorsTable, keys, from, count);
            using var result = await _client.ExecuteRawResultAsync(sql, QueryOptionsFor(sql), ct).ConfigureAwait(false);
            using var body = await result.ReadAsStreamAsync().ConfigureAwait(false);
            var reader = new RowBinaryResultReader(body);
            while (await reader.HasMoreAsync(ct).ConfigureAwait(false))
            {
                var projectId = (await reader.ReadStringAsync(ct).ConfigureAwait(false)).ToArray();
                var id = (await reader.ReadStringAsync(ct).ConfigureAwait(false)).ToArray();
                var partition = await reader.ReadInt32Async(ct).ConfigureAwait(false);
                var offset = await reader.ReadInt64Async(ct).ConfigureAwait(false);
                var firstSeen = await reader.ReadInt64Async(ct).ConfigureAwait(false);
                var payload = await reader.ReadStringAsync(ct).ConfigureAwait(false);
                if (wanted.TryGetValue(Composite(projectId, id), out var indexes))
                {
                    var found = new StartMissingEnd(keys[indexes[0]], payload.ToArray(), partition, offset, firstSeen);
                    foreach (var i in indexes)
                    {
                        results[i] = found;
                    }
                }
            }
        }

        return results;
    }

    /// <summary>
    /// Whether a lookup failure is worth retrying unchanged (network, timeout, a cut-off response, an overloaded
    /// server): the sink's <see cref="InsertFailureKind.Transient"/> class. Anything else will fail again.
    /// </summary>
    public bool IsTransient(Exception error) => ClickHouseSink.Classify(error, _options) == InsertFailureKind.Transient;

    /// <summary>Reads the argMax tuple of a calls_complete row (every column but the key) into <paramref name="row"/>.</summary>
    private static async Task<(long CreatedAtMillis, StoredCallState State)> ReadCallAsync(RowBinaryResultReader reader, CallRowData row, CancellationToken ct)
    {
        var createdAt = await reader.ReadInt64Async(ct).ConfigureAwait(false);
        row.StartedAtMicros = await reader.ReadInt64Async(ct).ConfigureAwait(false);
        row.EndedAtMicros = await reader.ReadInt64Async(ct).ConfigureAwait(false);
        var deletedAt = await reader.ReadInt64Async(ct).ConfigureAwait(false);
        foreach (var field in s_namesAndIds)
        {
            row.Set(field, (await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        }

        row.WbRunStep = await reader.ReadUInt64Async(ct).ConfigureAwait(false);
        row.WbRunStepEnd = await reader.ReadUInt64Async(ct).ConfigureAwait(false);
        row.Set(HalfField.Exception, (await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        row.Set(HalfField.OtelDump, (await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        row.Set(HalfField.Inputs, (await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        for (var n = await reader.ReadLengthAsync(ct).ConfigureAwait(false); n > 0; n--)
        {
            row.AddInputRef((await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        }

        row.Set(HalfField.Output, (await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        row.Set(HalfField.Summary, (await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        for (var n = await reader.ReadLengthAsync(ct).ConfigureAwait(false); n > 0; n--)
        {
            row.AddOutputRef((await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        }

        row.Set(HalfField.Attributes, (await reader.ReadStringAsync(ct).ConfigureAwait(false)).Span);
        var state = deletedAt != 0 ? StoredCallState.Deleted
            : row.EndedAtMicros != 0 ? StoredCallState.Complete
            : StoredCallState.Running;
        return (createdAt, state);
    }

    private static QueryOptions? QueryOptionsFor(string sql) =>
        sql.Length < DefaultMaxQuerySize - 1024
            ? null
            : new QueryOptions { CustomSettings = new Dictionary<string, object> { ["max_query_size"] = sql.Length + 1024 } };

    /// <summary>The positions of each distinct key of the batch.</summary>
    private static Dictionary<string, List<int>> Index(IReadOnlyList<LookupKey> keys, int from, int count)
    {
        var index = new Dictionary<string, List<int>>(count, StringComparer.Ordinal);
        for (var i = from; i < from + count; i++)
        {
            var key = Composite(keys[i].ProjectId.Span, keys[i].Id.Span);
            if (!index.TryGetValue(key, out var positions))
            {
                index[key] = positions = [];
            }

            positions.Add(i);
        }

        return index;
    }

    /// <summary>project_id and id as one string, exactly: Latin-1 maps each byte to one char, and U+FFFF separates.</summary>
    private static string Composite(ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> id) =>
        string.Concat(Encoding.Latin1.GetString(projectId), "\uFFFF", Encoding.Latin1.GetString(id));
}
