using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Schema;
using ClickHouse.Driver;

namespace CallJoin.Routing;

/// <summary>
/// Reads <see cref="MigrationState"/> from ClickHouse: three small queries (days of backfill_progress, mismatch
/// verdicts of migration_validation, and once per process the oldest day of calls_merged).
/// </summary>
/// <remarks>Not thread-safe; one refresh loop owns it.</remarks>
public sealed class MigrationStateReader(ClickHouseClient client, string database, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private DateOnly? _oldestLegacyDay;
    private bool _oldestKnown;

    /// <summary>Reads the current state.</summary>
    public async Task<MigrationState> ReadAsync(CancellationToken ct = default)
    {
        var backfill = new Dictionary<DateOnly, string>();
        using (var reader = await client.ExecuteReaderAsync(
            $"SELECT batch_date, toString(argMax(status, updated_at)) FROM {Table(BackfillProgressTable.Name)} GROUP BY batch_date",
            cancellationToken: ct).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                backfill[DateOnly.FromDateTime(reader.GetDateTime(0))] = reader.GetString(1);
            }
        }

        var mismatches = new Dictionary<string, IReadOnlyCollection<DateOnly>>(StringComparer.Ordinal);
        using (var reader = await client.ExecuteReaderAsync(
            $"""
            SELECT project_id, groupArray(batch_date) FROM (
                SELECT batch_date, project_id, argMax(status, checked_at) AS latest
                FROM {Table(MigrationValidationTable.Name)}
                GROUP BY batch_date, project_id)
            WHERE latest = 'mismatch'
            GROUP BY project_id
            """,
            cancellationToken: ct).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                var days = ((System.Collections.IEnumerable)reader.GetValue(1)).Cast<object>().Select(d => d is DateOnly only ? only : DateOnly.FromDateTime((DateTime)d)).ToArray();
                mismatches[reader.GetString(0)] = days;
            }
        }

        if (!_oldestKnown)
        {
            // A full column read of calls_merged: done once per process (older legacy data does not appear later). The
            // same day calljoin backfill starts its default range from, so an open range waits for all of it.
            using var reader = await client.ExecuteReaderAsync(
                $"SELECT toString(toDate(min(sortable_datetime), 'UTC')), count() > 0 FROM {Table(CallsMergedTable.Name)}", cancellationToken: ct).ConfigureAwait(false);
            if (reader.Read())
            {
                _oldestLegacyDay = reader.GetBoolean(1) ? DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : null;
                _oldestKnown = _oldestLegacyDay is not null;
            }
        }

        return new MigrationState(backfill, mismatches, _oldestLegacyDay, _time.GetUtcNow());
    }

    private string Table(string name) => ClickHouseIdentifier.Qualified(database, name);
}
