namespace CallJoin.Kafka;

/// <summary>Where the Kafka cluster is: a bootstrap list, from configuration or the upstream environment variables.</summary>
public sealed record KafkaEndpoint(string BootstrapServers)
{
    /// <summary>The address a service uses when nothing is configured, as upstream (<c>localhost:9092</c>).</summary>
    public static KafkaEndpoint Default { get; } = new("localhost:9092");

    /// <summary>
    /// Reads <c>CALLJOIN_KAFKA_BOOTSTRAP</c> (a full bootstrap list) or else the upstream pair
    /// <c>WF_KAFKA_BROKER_HOST</c>/<c>WF_KAFKA_BROKER_PORT</c>, falling back to <see cref="Default"/>.
    /// </summary>
    public static KafkaEndpoint FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var list = read("CALLJOIN_KAFKA_BOOTSTRAP");
        if (!string.IsNullOrWhiteSpace(list))
        {
            return new(list.Trim());
        }

        var host = read("WF_KAFKA_BROKER_HOST");
        var port = read("WF_KAFKA_BROKER_PORT");
        if (string.IsNullOrWhiteSpace(host) && string.IsNullOrWhiteSpace(port))
        {
            return Default;
        }

        host = string.IsNullOrWhiteSpace(host) ? "localhost" : host.Trim();
        port = string.IsNullOrWhiteSpace(port) ? "9092" : port.Trim();
        if (!ushort.TryParse(port, out var p) || p == 0)
        {
            throw new ArgumentException($"WF_KAFKA_BROKER_PORT must be a TCP port (1-65535), got '{port}'.");
        }

        return new($"{host}:{p}");
    }
}
