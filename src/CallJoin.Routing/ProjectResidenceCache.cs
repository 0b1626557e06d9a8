using System.Collections.Concurrent;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;

namespace CallJoin.Routing;

/// <summary>
/// Which tables hold a project's calls, asked of ClickHouse (two <c>LIMIT 1</c> probes on the sort key's first column)
/// and remembered for a while, as upstream's resolver does. An empty project is not remembered: its first write may
/// land in either table.
/// </summary>
/// <remarks>Thread-safe; concurrent first reads of one project may probe twice, which is harmless.</remarks>
public sealed class ProjectResidenceCache(ClickHouseClient client, string database, Func<TimeSpan> ttl, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, (ProjectDataResidence Residence, DateTimeOffset Expires)> _known = new(StringComparer.Ordinal);

    /// <summary>The project's residence, from the cache or ClickHouse.</summary>
    public async ValueTask<ProjectDataResidence> GetAsync(string projectId, CancellationToken ct = default)
    {
        var now = _time.GetUtcNow();
        if (_known.TryGetValue(projectId, out var hit) && hit.Expires > now)
        {
            return hit.Residence;
        }

        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("project_id", projectId);
        using var reader = await client.ExecuteReaderAsync(
            $$"""
            SELECT
                (SELECT count() FROM (SELECT 1 FROM {{ClickHouseIdentifier.Qualified(database, CallsMergedTable.Name)}} WHERE project_id = {project_id:String} LIMIT 1)),
                (SELECT count() FROM (SELECT 1 FROM {{ClickHouseIdentifier.Qualified(database, CallsCompleteTable.Name)}} WHERE project_id = {project_id:String} LIMIT 1))
            """, parameters, cancellationToken: ct).ConfigureAwait(false);
        reader.Read();
        var merged = Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) > 0;
        var complete = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) > 0;
        var residence = (merged, complete) switch
        {
            (true, true) => ProjectDataResidence.Both,
            (true, false) => ProjectDataResidence.MergedOnly,
            (false, true) => ProjectDataResidence.CompleteOnly,
            _ => ProjectDataResidence.Empty,
        };
        if (residence != ProjectDataResidence.Empty)
        {
            _known[projectId] = (residence, now + ttl());
        }

        return residence;
    }

    /// <summary>Forgets every project (after a backfill or a cutover changes where data is).</summary>
    public void Clear() => _known.Clear();
}
