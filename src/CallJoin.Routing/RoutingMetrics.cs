using System.Diagnostics.Metrics;

namespace CallJoin.Routing;

/// <summary>
/// The read path's instruments, on the service's meter: reads, latency and rows per table, decisions per rule, and
/// failovers back to calls_merged per reason (exported as e.g. <c>calljoin_reads_total{table="calls_complete"}</c>).
/// </summary>
/// <remarks>Thread-safe (instruments are).</remarks>
public sealed class RoutingMetrics
{
    private readonly Counter<long> _reads;
    private readonly Counter<long> _rows;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _readErrors;
    private readonly Counter<long> _refreshFailures;

    public RoutingMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _reads = meter.CreateCounter<long>("calljoin.reads", "{read}", "Call list reads served, by table.");
        _rows = meter.CreateCounter<long>("calljoin.read.rows", "{row}", "Calls returned by reads, by table.");
        _latency = meter.CreateHistogram<double>("calljoin.read.latency", "s", "Time to run a call list read on a table, by table.");
        _readErrors = meter.CreateCounter<long>("calljoin.read.errors", "{read}", "Reads that failed on a table, by table.");
        _decisions = meter.CreateCounter<long>("calljoin.route.decisions", "{decision}", "Routing decisions, by table and rule.");
        _failovers = meter.CreateCounter<long>("calljoin.route.failovers", "{read}",
            "Reads sent back to calls_merged automatically, by reason (validation_mismatch, read_error).");
        _refreshFailures = meter.CreateCounter<long>("calljoin.route.state_refresh_failures", "{refresh}",
            "Failed reads of backfill_progress / migration_validation (the last state stays in force).");
    }

    public void Decided(RouteDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        _decisions.Add(1, new("table", QueryRouter.Name(decision.Table)), new("rule", QueryRouter.Name(decision.Rule)));
        if (decision.Rule == RouteRule.ValidationMismatch)
        {
            _failovers.Add(1, new KeyValuePair<string, object?>("reason", "validation_mismatch"));
        }
    }

    public void Read(ReadTable table, int rows, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("table", QueryRouter.Name(table));
        _reads.Add(1, tag);
        _rows.Add(rows, tag);
        _latency.Record(elapsed.TotalSeconds, tag);
    }

    public void ReadFailed(ReadTable table) => _readErrors.Add(1, new KeyValuePair<string, object?>("table", QueryRouter.Name(table)));

    public void FailedOver() => _failovers.Add(1, new KeyValuePair<string, object?>("reason", "read_error"));

    public void RefreshFailed() => _refreshFailures.Add(1);
}
