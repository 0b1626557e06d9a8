using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using ClickHouse.Driver;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallJoin.Routing;

/// <summary>
/// The read side of the migration: routes each read with <see cref="QueryRouter"/> over the options in force and a
/// cached <see cref="MigrationState"/>, runs it on the chosen table and, when calls_complete fails, runs it again on
/// calls_merged (counted and logged).
/// </summary>
/// <remarks>
/// Thread-safe. Options are read through <paramref name="options"/> on every decision, so a configuration reload (or the
/// emergency switch) applies to the next read. Migration state is refreshed by <see cref="RunRefreshLoopAsync"/>, never
/// per read.
/// </remarks>
public sealed class CallRouter(
    ClickHouseClient client,
    string database,
    Func<RoutingOptions> options,
    RoutingMetrics metrics,
    ILogger? log = null,
    TimeProvider? time = null)
{
    private readonly ILogger _log = log ?? NullLogger.Instance;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly MigrationStateReader _stateReader = new(client, database, time);
    private readonly ConcurrentDictionary<string, byte> _mismatchLogged = new(StringComparer.Ordinal);
    private static readonly TimeSpan UntilLoaded = TimeSpan.FromSeconds(1);
    private volatile MigrationState _state = MigrationState.Unknown;
    private DateTimeOffset _lastFailureLogged = DateTimeOffset.MinValue;

    /// <summary>Which tables hold each project's data (cached).</summary>
    public ProjectResidenceCache Residence { get; } = new(client, database, () => options().ResidenceCacheTtl, time);

    /// <summary>The migration state decisions use now.</summary>
    public MigrationState State => _state;

    /// <summary>The options in force now.</summary>
    public RoutingOptions Options => options();

    /// <summary>Reads the migration state again; on failure the last state stays in force (logged and counted).</summary>
    /// <returns>Whether the refresh succeeded.</returns>
    public async Task<bool> RefreshAsync(CancellationToken ct = default)
    {
        try
        {
            var state = await _stateReader.ReadAsync(ct).ConfigureAwait(false);
            _state = state;
            _mismatchLogged.Clear();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            metrics.RefreshFailed();
            var now = _time.GetUtcNow();
            if (now - _lastFailureLogged >= options().StateRefreshInterval)
            {
                // At most one line per refresh interval: the retries until the first load come every second.
                _lastFailureLogged = now;
                RoutingLog.RefreshFailed(_log, _state.LoadedAt, ex.GetBaseException().Message);
            }

            return false;
        }
    }

    /// <summary>
    /// Refreshes the migration state every <see cref="RoutingOptions.StateRefreshInterval"/> until cancelled; every second
    /// until the first success (at startup the schema may still be migrating, and until then no day counts as migrated).
    /// </summary>
    public async Task RunRefreshLoopAsync(CancellationToken ct)
    {
        var logged = false;
        while (!ct.IsCancellationRequested)
        {
            if (await RefreshAsync(ct).ConfigureAwait(false) && !logged)
            {
                var s = _state;
                RoutingLog.StateLoaded(_log, s.BackfillDays, s.MismatchCount, s.OldestLegacyDay?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "(empty)");
                logged = true;
            }

            try
            {
                var interval = options().StateRefreshInterval;
                await Task.Delay(_state.IsLoaded || interval < UntilLoaded ? interval : UntilLoaded, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Decides which table serves <paramref name="request"/>, and why.</summary>
    public async ValueTask<RouteDecision> RouteAsync(RouteRequest request, CancellationToken ct = default)
    {
        RouteDecision decision;
        try
        {
            decision = await QueryRouter.DecideAsync(options(), _state, request, Residence.GetAsync, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (options().FailoverOnError && ex is not OperationCanceledException)
        {
            // The residence probe touches calls_complete too: when that fails, the legacy table still serves the read.
            metrics.FailedOver();
            RoutingLog.ReadFailover(_log, request.ProjectId, ex.GetBaseException().Message);
            decision = RouteDecision.Merged(RouteRule.ReadFailover, $"The residence of project '{request.ProjectId}' could not be read ({ex.GetBaseException().Message}).");
        }

        metrics.Decided(decision);
        if (decision.Rule == RouteRule.ValidationMismatch && _mismatchLogged.TryAdd(request.ProjectId, 0))
        {
            RoutingLog.ValidationFailover(_log, request.ProjectId, decision.Reason);
        }

        return decision;
    }

    /// <summary>Routes and runs a call list read; a failing calls_complete read is retried on calls_merged.</summary>
    public async Task<CallListResult> ReadAsync(CallQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var decision = await RouteAsync(query.Route, ct).ConfigureAwait(false);
        if (decision.Table == ReadTable.CallsMerged)
        {
            var (rows, body) = await ReadOnAsync(ReadTable.CallsMerged, query, ct).ConfigureAwait(false);
            return new CallListResult(decision, ReadTable.CallsMerged, rows, body, FailedOver: false);
        }

        try
        {
            var (rows, body) = await ReadOnAsync(ReadTable.CallsComplete, query, ct).ConfigureAwait(false);
            return new CallListResult(decision, ReadTable.CallsComplete, rows, body, FailedOver: false);
        }
        catch (Exception ex) when (options().FailoverOnError && ex is not OperationCanceledException)
        {
            metrics.FailedOver();
            RoutingLog.ReadFailover(_log, query.ProjectId, ex.GetBaseException().Message);
            var (rows, body) = await ReadOnAsync(ReadTable.CallsMerged, query, ct).ConfigureAwait(false);
            return new CallListResult(decision, ReadTable.CallsMerged, rows, body, FailedOver: true);
        }
    }

    /// <summary>Runs a call list read on <paramref name="table"/> regardless of routing (comparisons, the bench).</summary>
    public async Task<(int Rows, ReadOnlyMemory<byte> Body)> ReadOnAsync(ReadTable table, CallQuery query, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var (sql, parameters) = CallListSql.For(table, query, database);
            var body = new ArrayBufferWriter<byte>(4096);
            var rows = 0;
            using (var reader = await client.ExecuteReaderAsync(sql, parameters, cancellationToken: ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    CallJsonWriter.WriteLine(reader, query.ProjectId, body);
                    rows++;
                }
            }

            metrics.Read(table, rows, Stopwatch.GetElapsedTime(started));
            return (rows, body.WrittenMemory);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            metrics.ReadFailed(table);
            throw;
        }
    }
}
