using CallJoin.Kafka;

namespace CallJoin.Kafka.Tests;

public class KafkaEndpointTests
{
    [Fact]
    public void Defaults_to_localhost_9092_when_nothing_is_configured()
    {
        Assert.Equal("localhost:9092", KafkaEndpoint.FromEnvironment(_ => null).BootstrapServers);
    }

    [Fact]
    public void Reads_the_upstream_host_and_port_variables()
    {
        var env = new Dictionary<string, string> { ["WF_KAFKA_BROKER_HOST"] = "kafka-0", ["WF_KAFKA_BROKER_PORT"] = "29092" };
        Assert.Equal("kafka-0:29092", KafkaEndpoint.FromEnvironment(n => env.GetValueOrDefault(n)).BootstrapServers);
    }

    [Fact]
    public void A_full_bootstrap_list_wins_over_host_and_port()
    {
        var env = new Dictionary<string, string> { ["CALLJOIN_KAFKA_BOOTSTRAP"] = "a:1,b:2", ["WF_KAFKA_BROKER_HOST"] = "kafka-0" };
        Assert.Equal("a:1,b:2", KafkaEndpoint.FromEnvironment(n => env.GetValueOrDefault(n)).BootstrapServers);
    }

    [Fact]
    public void Rejects_a_port_that_is_not_a_port()
    {
        var ex = Assert.Throws<ArgumentException>(() => KafkaEndpoint.FromEnvironment(n => n == "WF_KAFKA_BROKER_PORT" ? "http" : null));
        Assert.Contains("WF_KAFKA_BROKER_PORT", ex.Message, StringComparison.Ordinal);
    }
}
