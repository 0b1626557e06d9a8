using System.Runtime.InteropServices;

namespace CallJoin.EmbeddedKafka;

/// <summary>Source-generated bindings to the part of librdkafka's C API that runs a mock cluster.</summary>
/// <remarks>
/// Only fixed-arity functions are bound: variadic ones (<c>rd_kafka_mock_push_request_errors</c>) have an
/// <c>_array</c> twin, and P/Invoke cannot pass C varargs portably. The library is found by
/// <see cref="LibRdKafkaResolver"/>, which the first call to <see cref="EnsureLoadable"/> installs.
/// The mock API is marked experimental upstream; these signatures match librdkafka 2.16.
/// </remarks>
internal static partial class LibRdKafka
{
    /// <summary>The name our imports use; <see cref="LibRdKafkaResolver"/> maps it to an actual file.</summary>
    public const string Name = "librdkafka";

    public const int ProducerType = 0; // RD_KAFKA_PRODUCER
    public const int ConfOk = 0; // RD_KAFKA_CONF_OK

    /// <summary>Loads librdkafka and installs the resolver for our imports (idempotent, thread-safe).</summary>
    public static void EnsureLoadable() => LibRdKafkaResolver.Install();

    [LibraryImport(Name, EntryPoint = "rd_kafka_conf_new")]
    public static partial nint ConfNew();

    [LibraryImport(Name, EntryPoint = "rd_kafka_conf_destroy")]
    public static partial void ConfDestroy(nint conf);

    [LibraryImport(Name, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial int ConfSet(nint conf, string name, string value, byte* errstr, nuint errstrSize);

    /// <summary>Creates a client; on success it owns <paramref name="conf"/>, on failure the caller still does.</summary>
    [LibraryImport(Name, EntryPoint = "rd_kafka_new")]
    public static unsafe partial nint New(int type, nint conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Name, EntryPoint = "rd_kafka_destroy")]
    public static partial void Destroy(nint rk);

    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_cluster_new")]
    public static partial nint MockClusterNew(nint rk, int brokerCount);

    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    public static partial void MockClusterDestroy(nint cluster);

    /// <summary>Returns the cluster's bootstrap list; the string is owned by the cluster and must not be freed.</summary>
    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial nint MockClusterBootstraps(MockClusterHandle cluster);

    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MockTopicCreate(MockClusterHandle cluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    public static partial void MockGroupInitialRebalanceDelayMs(MockClusterHandle cluster, int delayMs);

    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_broker_set_down")]
    public static partial int MockBrokerSetDown(MockClusterHandle cluster, int brokerId);

    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_broker_set_up")]
    public static partial int MockBrokerSetUp(MockClusterHandle cluster, int brokerId);

    /// <summary>
    /// Queues <paramref name="count"/> errors that the cluster returns, one each, to the next requests of
    /// <paramref name="apiKey"/> from any client (the array form of the variadic <c>rd_kafka_mock_push_request_errors</c>).
    /// </summary>
    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    public static unsafe partial void MockPushRequestErrorsArray(MockClusterHandle cluster, short apiKey, nuint count, int* errors);

    /// <summary>Changes the address a broker advertises in metadata; its listening socket stays where it is.</summary>
    [LibraryImport(Name, EntryPoint = "rd_kafka_mock_broker_set_host_port", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void MockBrokerSetHostPort(MockClusterHandle cluster, int brokerId, string host, int port);
}
