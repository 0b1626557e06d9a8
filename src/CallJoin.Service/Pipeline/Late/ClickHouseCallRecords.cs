using CallJoin.ClickHouse.Sink;
using ClickHouse.Driver;

namespace CallJoin.Service.Pipeline.Late;

/// <summary>Looks up timed-out halves' calls in calls_complete and calljoin_errors.</summary>
internal sealed class ClickHouseCallRecords(ClickHouseClient client, SinkOptions options) : ICallRecords
{
    public Task<IReadOnlyList<LookupAnswer>> FindAsync(IReadOnlyList<LookupKey> starts, IReadOnlyList<LookupKey> ends, CancellationToken ct) =>
        throw new NotImplementedException($"{client}{options}");

    public bool IsTransient(Exception error) => true;
}
