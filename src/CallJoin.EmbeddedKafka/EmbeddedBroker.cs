using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace CallJoin.EmbeddedKafka;

/// <summary>A Kafka-protocol cluster on 127.0.0.1, run in this process by librdkafka's mock cluster.</summary>
/// <remarks>
/// The mock is Confluent's own test broker for librdkafka: real Kafka wire protocol over TCP, so any client in any
/// process (Confluent.Kafka, kcat) can use <see cref="BootstrapServers"/>. It keeps at most 5 MiB per partition
/// (older data is dropped silently), persists nothing, and does not implement the admin API's CreateTopics: create
/// topics with <see cref="CreateTopic"/>. The group coordinator's initial rebalance delay is 0, so the first
/// consumer of a group joins at once instead of after 3 s.
/// All members are thread-safe; <see cref="Dispose"/> may race with other calls, which then throw
/// <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class EmbeddedBroker : IDisposable
{
    private const string Host = "127.0.0.1";

    private readonly MockClusterHandle _cluster;
    private readonly BrokerPortRelay? _relay;

    private EmbeddedBroker(MockClusterHandle cluster, string bootstrapServers, int brokers, BrokerPortRelay? relay)
    {
        _cluster = cluster;
        _relay = relay;
        BootstrapServers = bootstrapServers;
        BrokerCount = brokers;
    }

    /// <summary>The comma-separated <c>host:port</c> list that clients use as <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>The number of brokers; their ids are 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a cluster with its brokers listening on 127.0.0.1.</summary>
    /// <exception cref="DllNotFoundException">librdkafka could not be loaded from the librdkafka.redist package.</exception>
    /// <exception cref="SocketException">A fixed <see cref="EmbeddedBrokerOptions.Port"/> is already in use.</exception>
    public static EmbeddedBroker Start(EmbeddedBrokerOptions? options = null)
    {
        options ??= new EmbeddedBrokerOptions();
        options.Validate();
        LibRdKafka.EnsureLoadable();

        var cluster = CreateCluster(options);
        try
        {
            LibRdKafka.MockGroupInitialRebalanceDelayMs(cluster, 0);
            var bootstraps = Marshal.PtrToStringUTF8(LibRdKafka.MockClusterBootstraps(cluster))
                ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
            if (options.Port is not { } firstPort)
            {
                return new EmbeddedBroker(cluster, bootstraps, options.Brokers, relay: null);
            }

            // The bootstrap list is in broker-id order (1..N); relay fixed port i to broker i's random port and
            // make broker i advertise the fixed one, so clients only ever connect through the relay.
            var targets = bootstraps.Split(',').Select(IPEndPoint.Parse).ToArray();
            if (targets.Length != options.Brokers)
            {
                throw new InvalidOperationException($"The mock cluster reported {targets.Length} brokers, not {options.Brokers}: '{bootstraps}'.");
            }

            var ports = Enumerable.Range(firstPort, options.Brokers).ToArray();
            var relay = BrokerPortRelay.Start(IPAddress.Loopback, ports, targets);
            for (var id = 1; id <= options.Brokers; id++)
            {
                LibRdKafka.MockBrokerSetHostPort(cluster, id, Host, ports[id - 1]);
            }

            var fixedList = string.Join(',', ports.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Host}:{p}")));
            return new EmbeddedBroker(cluster, fixedList, options.Brokers, relay);
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>Creates a topic with <paramref name="partitions"/> partitions spread over the brokers.</summary>
    /// <exception cref="KafkaException">The broker refused, e.g. <see cref="ErrorCode.TopicAlreadyExists"/>.</exception>
    public void CreateTopic(string name, int partitions, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, BrokerCount);

        var err = LibRdKafka.MockTopicCreate(_cluster, name, partitions, replicationFactor);
        ThrowOnError(err, $"create topic '{name}' ({partitions} partitions, replication factor {replicationFactor})");
    }

    /// <summary>Disconnects broker <paramref name="id"/>'s clients and refuses new ones; partition leadership does not move.</summary>
    public void SetBrokerDown(int id) => ThrowOnError(LibRdKafka.MockBrokerSetDown(_cluster, id), $"set broker {id} down");

    /// <summary>Lets broker <paramref name="id"/> accept connections again.</summary>
    public void SetBrokerUp(int id) => ThrowOnError(LibRdKafka.MockBrokerSetUp(_cluster, id), $"set broker {id} up");

    /// <summary>
    /// Makes the next requests of <paramref name="apiKey"/>, from any client, fail with <paramref name="errors"/> in
    /// order, one error per request; later requests are served normally. For fault injection.
    /// </summary>
    public unsafe void PushRequestErrors(KafkaApiKey apiKey, IReadOnlyList<ErrorCode> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            return;
        }

        var codes = errors.Select(e => (int)e).ToArray();
        fixed (int* first = codes)
        {
            LibRdKafka.MockPushRequestErrorsArray(_cluster, (short)apiKey, (nuint)codes.Length, first);
        }
    }

    /// <summary>Stops the relay (if any), then destroys the cluster and its client handle; safe to call more than once.</summary>
    public void Dispose()
    {
        _relay?.Dispose();
        _cluster.Dispose();
    }

    private static unsafe MockClusterHandle CreateCluster(EmbeddedBrokerOptions options)
    {
        const int ErrorSize = 512;
        var error = stackalloc byte[ErrorSize];
        var conf = LibRdKafka.ConfNew();
        if (LibRdKafka.ConfSet(conf, "log_level", options.LogLevel.ToString(CultureInfo.InvariantCulture), error, ErrorSize) != LibRdKafka.ConfOk
            || LibRdKafka.ConfSet(conf, "client.id", "calljoin-embedded-broker", error, ErrorSize) != LibRdKafka.ConfOk)
        {
            LibRdKafka.ConfDestroy(conf);
            throw new InvalidOperationException("librdkafka rejected the broker's configuration: " + Marshal.PtrToStringUTF8((nint)error));
        }

        // A producer handle with no bootstrap servers: it only hosts the cluster (logging, timers) and never connects.
        var client = LibRdKafka.New(LibRdKafka.ProducerType, conf, error, ErrorSize);
        if (client == 0)
        {
            LibRdKafka.ConfDestroy(conf);
            throw new InvalidOperationException("librdkafka could not create the client that hosts the mock cluster: " + Marshal.PtrToStringUTF8((nint)error));
        }

        var cluster = LibRdKafka.MockClusterNew(client, options.Brokers);
        if (cluster == 0)
        {
            LibRdKafka.Destroy(client);
            throw new InvalidOperationException("librdkafka could not start the mock cluster (its log on stderr says why).");
        }

        return new MockClusterHandle(client, cluster);
    }

    private static void ThrowOnError(int err, string what)
    {
        if (err != 0)
        {
            var code = (ErrorCode)err;
            throw new KafkaException(new Error(code, $"The embedded broker could not {what}: {code}."));
        }
    }
}
