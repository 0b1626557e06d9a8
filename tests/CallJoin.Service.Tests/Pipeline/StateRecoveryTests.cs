using System.Diagnostics.Metrics;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Sink;
using CallJoin.Kafka.Ingest;
using CallJoin.Service.Metrics;
using CallJoin.Service.Settings;
using CallJoin.State;
using CallJoin.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>A state folder the service cannot recover stops it, with the folder left as it was.</summary>
public sealed class StateRecoveryTests
{
    [Fact]
    public async Task An_unreadable_state_checkpoint_stops_the_service_with_a_clear_message_and_deletes_nothing()
    {
        var directory = TempDirectory.Create("calljoin-state");
        try
        {
            var damaged = Path.Combine(directory, "checkpoints", "cpr-checkpoints", Guid.NewGuid().ToString(), "info.dat");
            Directory.CreateDirectory(Path.GetDirectoryName(damaged)!);
            await File.WriteAllTextAsync(damaged, "not a checkpoint");
            await File.WriteAllTextAsync(Path.Combine(directory, "calljoin-state-committed"), "");   // a checkpoint completed here once
            using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            await using var service = new CallJoinService(Settings(directory), new CallJoinMetrics(services.GetRequiredService<IMeterFactory>()), NullLoggerFactory.Instance);

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => service.StartAsync(CancellationToken.None));

            Assert.Contains(directory, error.Message, StringComparison.Ordinal);
            Assert.Contains("Nothing was deleted", error.Message, StringComparison.Ordinal);
            Assert.True(File.Exists(damaged), "the state folder is left for the operator");
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    /// <summary>Static ownership with checkpoints; Kafka and ClickHouse are never reached (no migration, the store opens first).</summary>
    private static ServiceSettings Settings(string directory) => new()
    {
        Ingest = new IngestOptions { BootstrapServers = "127.0.0.1:9", Ownership = IngestOwnership.Static, Replicas = 1, Ordinal = 0 },
        ClickHouse = new ClickHouseEndpoint("Host=127.0.0.1;Port=9", "default"),
        Migrate = false,
        Sink = new SinkOptions { Database = "default" },
        State = new PendingStoreOptions { Directory = directory, MemoryBudgetBytes = 4 << 20, IndexSizeBytes = 1 << 16 },
    };
}
