using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Schema;

/// <summary>
/// Brings a ClickHouse database to the latest <see cref="CallJoinMigrations"/> version: creates the database and a
/// <c>calljoin_migrations</c> ledger, then applies each missing step in order and records it.
/// </summary>
/// <remarks>
/// Every statement is idempotent (<c>IF NOT EXISTS</c>), so a run interrupted between a step and its ledger row is
/// safe to repeat. Single-node DDL: replicated/ON CLUSTER variants are not generated. A <c>calls_complete</c> that
/// existed before us keeps its shape but must take our <c>source</c> value (<see cref="SourceEnumUpgrade"/>).
/// </remarks>
public sealed class SchemaMigrator(ClickHouseClient client, string database)
{
    private static readonly string Ledger = ClickHouseIdentifier.Quote("calljoin_migrations");
    private readonly string _db = ClickHouseIdentifier.Quote(database);
    private readonly string _dbLiteral = "'" + database.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>Applies pending steps; returns the versions applied by this call (empty when already current).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(IReadOnlyList<SchemaMigration>? migrations = null, CancellationToken ct = default)
    {
        migrations ??= CallJoinMigrations.All;
        await ExecuteAsync($"CREATE DATABASE IF NOT EXISTS {_db}", ct).ConfigureAwait(false);
        await ExecuteAsync(
            $"CREATE TABLE IF NOT EXISTS {_db}.{Ledger} (version UInt32, name String, applied_at DateTime64(3) DEFAULT now64(3)) " +
            "ENGINE = ReplacingMergeTree ORDER BY version",
            ct).ConfigureAwait(false);

        var applied = await AppliedVersionsAsync(ct).ConfigureAwait(false);
        var done = new List<int>();
        foreach (var step in migrations.OrderBy(m => m.Version))
        {
            if (applied.Contains(step.Version))
            {
                continue;
            }

            foreach (var statement in step.Statements(_db))
            {
                await ExecuteAsync(statement, ct).ConfigureAwait(false);
            }

            await ExecuteAsync(
                $"INSERT INTO {_db}.{Ledger} (version, name) VALUES ({step.Version}, '{step.Name.Replace("'", "''", StringComparison.Ordinal)}')",
                ct).ConfigureAwait(false);
            done.Add(step.Version);
        }

        await UpgradeSourceEnumAsync(ct).ConfigureAwait(false);
        return done;
    }

    /// <summary>
    /// <c>CREATE TABLE IF NOT EXISTS</c> leaves an upstream calls_complete as it is: give its source enum our value, or
    /// refuse (see <see cref="SourceEnumUpgrade"/>). Checked on every run, so a table swapped in later is caught too.
    /// </summary>
    private async Task UpgradeSourceEnumAsync(CancellationToken ct)
    {
        var columns = 0;
        string? sourceType = null;
        using (var reader = await client.ExecuteReaderAsync(
            $"SELECT name, type FROM system.columns WHERE database = {_dbLiteral} AND table = '{CallsCompleteTable.Name}'", cancellationToken: ct).ConfigureAwait(false))
        {
            while (reader.Read())
            {
                columns++;
                sourceType = reader.GetString(0) == "source" ? reader.GetString(1) : sourceType;
            }
        }

        if (columns > 0 && SourceEnumUpgrade.AlterStatement($"{_db}.{CallsCompleteTable.Name}", sourceType) is { } alter)
        {
            await ExecuteAsync(alter, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The versions recorded in the ledger.</summary>
    public async Task<HashSet<int>> AppliedVersionsAsync(CancellationToken ct = default)
    {
        var versions = new HashSet<int>();
        using var reader = await client.ExecuteReaderAsync($"SELECT DISTINCT version FROM {_db}.{Ledger}", cancellationToken: ct).ConfigureAwait(false);
        while (reader.Read())
        {
            versions.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return versions;
    }

    private Task<int> ExecuteAsync(string sql, CancellationToken ct) => client.ExecuteNonQueryAsync(sql, cancellationToken: ct);
}
