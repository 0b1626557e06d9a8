using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Sink;
using CallJoin.Kafka.Ingest;
using CallJoin.Service;
using CallJoin.Service.Hosting;
using CallJoin.Service.Settings;
using CallJoin.State;
using CallJoin.Testing;
using CallJoin.Workload;
using ClickHouse.Driver;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>Topics, a database and the service host for one end-to-end test, against the embedded broker and ClickHouse.</summary>
internal sealed class ServiceHarness : IAsyncDisposable
{
    private readonly BrokerFixture _kafka;
    private readonly List<string> _directories = [];

    private ServiceHarness(BrokerFixture kafka, ClickHouseClient client, string database, string startTopic, string endTopic, string group)
    {
        _kafka = kafka;
        Client = client;
        Database = database;
        StartTopic = startTopic;
        EndTopic = endTopic;
        Group = group;
    }

    public ClickHouseClient Client { get; }

    public string Database { get; }

    public string StartTopic { get; }

    public string EndTopic { get; }

    public string Group { get; }

    public string ConnectionString { get; private init; } = "";

    public static async Task<ServiceHarness> CreateAsync(BrokerFixture kafka, ClickHouseFixture clickHouse, int partitions)
    {
        var topics = kafka.CreateTopics(partitions, "starts", "ends");
        var database = await clickHouse.CreateDatabaseAsync("service");
        return new ServiceHarness(kafka, new ClickHouseClient(clickHouse.ConnectionString), database, topics[0], topics[1], kafka.UniqueName("calljoin"))
        {
            ConnectionString = clickHouse.ConnectionString,
        };
    }

    /// <summary>Another database and consumer group over these same topics, for a second service run over the same input.</summary>
    public async Task<ServiceHarness> OverTheSameTopicsAsync(ClickHouseFixture clickHouse)
    {
        var database = await clickHouse.CreateDatabaseAsync("service");
        return new ServiceHarness(_kafka, new ClickHouseClient(clickHouse.ConnectionString), database, StartTopic, EndTopic, _kafka.UniqueName("calljoin"))
        {
            ConnectionString = clickHouse.ConnectionString,
        };
    }

    /// <summary>Settings for a service on these topics and this database: FASTER state in a temp dir (4 MiB in memory, so it spills), short batch delay, any free port.</summary>
    public ServiceSettings Settings(IngestOwnership ownership = IngestOwnership.Static, int ordinal = 0, int replicas = 1, string? stateDirectory = null)
    {
        var directory = stateDirectory ?? NewStateDirectory();
        return new ServiceSettings
        {
            Ingest = new IngestOptions
            {
                BootstrapServers = _kafka.BootstrapServers,
                StartTopic = StartTopic,
                EndTopic = EndTopic,
                GroupId = Group,
                Ownership = ownership,
                Ordinal = ordinal,
                Replicas = replicas,
                Settings = new Dictionary<string, string> { ["session.timeout.ms"] = "3000", ["heartbeat.interval.ms"] = "500" },
            },
            ClickHouse = new ClickHouseEndpoint(ConnectionString, Database),
            Sink = new SinkOptions
            {
                MaxBatchDelay = TimeSpan.FromMilliseconds(200),
                Database = Database,
            },
            State = new PendingStoreOptions { Directory = directory, MemoryBudgetBytes = 4 << 20, IndexSizeBytes = 1 << 16 },
            CheckpointInterval = TimeSpan.FromMilliseconds(500),
            IdleAdvanceAfter = TimeSpan.FromMilliseconds(500),
            HttpPort = 0,
        };
    }

    /// <summary>A fresh folder for a service's pending state, deleted with the harness.</summary>
    public string NewStateDirectory()
    {
        var directory = TempDirectory.Create("calljoin-state");
        _directories.Add(directory);
        return directory;
    }

    /// <summary>Builds and starts a host and waits until it is ready (migrated, consuming); the caller disposes it.</summary>
    /// <param name="logging">More logging setup (e.g. a recording provider); Warning and up are logged otherwise.</param>
    /// <param name="waitUntilReady">False for a service expected not to become ready (say, ClickHouse refusing it).</param>
    public static async Task<RunningService> StartAsync(ServiceSettings settings, Action<ILoggingBuilder>? logging = null, bool waitUntilReady = true)
    {
        var app = CallJoinHost.ForSettings(settings, builder =>
        {
            builder.SetMinimumLevel(LogLevel.Information);
            logging?.Invoke(builder);
        });
        await app.StartAsync();
        var service = app.Services.GetRequiredService<CallJoinService>();
        if (waitUntilReady)
        {
            // Migrating, then starting the ingest, in the background.
            await Eventually.TrueAsync(() => service.IsReady || service.Completion.IsCompleted, "the service became ready (migrated and consuming)");
            Assert.True(service.IsReady, $"the service stopped before it was ready: {service.Completion.Exception?.GetBaseException()}");
        }

        return new RunningService(app, service, CallJoinHost.LocalAddress(app));
    }

    /// <summary>Publishes the events with their record timestamps, lz4-compressed (the mock broker keeps 5 MiB per partition).</summary>
    public async Task PublishAsync(IEnumerable<WorkloadEvent> events)
    {
        var config = _kafka.ProducerConfig();
        config.CompressionType = CompressionType.Lz4;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        foreach (var e in events)
        {
            var message = new Message<byte[], byte[]> { Key = e.Key, Value = e.Payload, Timestamp = new Timestamp(e.TimestampMillis, TimestampType.CreateTime) };
            producer.Produce(e.Side == Core.Halves.CallSide.Start ? StartTopic : EndTopic, message);
        }

        producer.Flush(TimeSpan.FromSeconds(60));
        await Task.CompletedTask;
    }

    public async Task<long> ScalarAsync(string sql) =>
        Convert.ToInt64(await Client.ExecuteScalarAsync(sql.Replace("{db}", Database, StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Polls until <paramref name="sql"/> returns <paramref name="expected"/>; fails the test if the bound passes first.</summary>
    public async Task<long> WaitForAsync(string sql, long expected, TimeSpan? bound = null)
    {
        var limit = bound ?? Eventually.DefaultBound;
        var deadline = DateTime.UtcNow + limit;
        long value;
        while ((value = await TryScalarAsync(sql)) != expected)
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"After {limit.TotalSeconds} s, {sql.Replace("{db}", Database, StringComparison.Ordinal)} returned {value}, not {expected}");
            }

            await Task.Delay(200);
        }

        return value;
    }

    /// <summary>The value, or -1 while the tables do not exist yet (a service still migrating).</summary>
    private async Task<long> TryScalarAsync(string sql)
    {
        try
        {
            return await ScalarAsync(sql);
        }
        catch (ClickHouseServerException ex) when (ex.ErrorCode is 60 or 81)
        {
            return -1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        foreach (var directory in _directories)
        {
            TempDirectory.Delete(directory);
        }

        await Task.CompletedTask;
    }
}

/// <summary>A started host, its service and its HTTP base address.</summary>
internal sealed record RunningService(WebApplication App, CallJoinService Service, Uri BaseAddress) : IAsyncDisposable
{
    public async Task StopAsync() => await App.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
