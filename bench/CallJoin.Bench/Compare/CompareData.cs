using CallJoin.ClickHouse.Schema;
using CallJoin.EmbeddedClickHouse;
using CallJoin.EmbeddedKafka;
using CallJoin.Workload;
using ClickHouse.Driver;

namespace CallJoin.Bench.Compare;

/// <summary>
/// One data variant as every contender sees it: the workload's messages (also published to the variant's own broker,
/// both topics with <see cref="Partitions"/> partitions, and written as a dump), what it must give, and the engines.
/// </summary>
/// <remarks>Built by <see cref="CompareRun"/> before the variant's contenders run; read-only to them except <see cref="Earlier"/>.</remarks>
internal sealed class CompareData
{
    /// <summary><c>small</c> or <c>default</c>.</summary>
    public required string Variant { get; init; }

    public required CompareOptions Options { get; init; }

    public required WeaveWorkload Workload { get; init; }

    public WorkloadExpectation Expected => Workload.Expected;

    /// <summary>Every message in publish order.</summary>
    public required IReadOnlyList<WorkloadEvent> Events { get; init; }

    /// <summary>Bytes of all keys and values: the input the MB/s figures divide.</summary>
    public required long InputBytes { get; init; }

    /// <summary>Partitions of each topic.</summary>
    public required int Partitions { get; init; }

    public required EmbeddedBroker Broker { get; init; }

    public required EmbeddedClickHouseServer ClickHouse { get; init; }

    /// <summary>A client on the server's default database.</summary>
    public required ClickHouseClient Client { get; init; }

    /// <summary>The variant's dump of both topics (kcat -J lines, publish order).</summary>
    public required string DumpPath { get; init; }

    /// <summary>The variant's folder for logs, state and outputs.</summary>
    public required string Directory { get; init; }

    /// <summary>Results of the contenders that already ran on this variant, in order.</summary>
    public List<ContenderResult> Earlier { get; } = [];

    /// <summary>The call ids each read query returned, by contender, so the second can be compared with the first.</summary>
    public Dictionary<string, List<string>> ReadIds { get; } = new(StringComparer.Ordinal);

    /// <summary>The database a contender writes to on this variant: its own, so no two share a table.</summary>
    public string Database(string contender) =>
        $"cmp_{new string([.. contender.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')])}_{Variant}";

    /// <summary>Drops and re-creates the contender's <see cref="Database"/> with every migration applied; returns its name.</summary>
    public async Task<string> FreshDatabaseAsync(string contender, CancellationToken ct)
    {
        var database = Database(contender);
        await Client.ExecuteNonQueryAsync($"DROP DATABASE IF EXISTS {database}", cancellationToken: ct);
        await new SchemaMigrator(Client, database).MigrateAsync(ct: ct);
        return database;
    }
}
