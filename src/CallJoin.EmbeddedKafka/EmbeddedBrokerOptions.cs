namespace CallJoin.EmbeddedKafka;

/// <summary>How to start an <see cref="EmbeddedBroker"/>.</summary>
public sealed record EmbeddedBrokerOptions
{
    /// <summary>The number of brokers in the mock cluster (ids 1..N); 3 by default, so replication factor 3 works.</summary>
    public int Brokers { get; init; } = 3;

    /// <summary>
    /// A fixed port for broker 1 (broker N gets <c>Port + N - 1</c>); <see langword="null"/> for random ports.
    /// </summary>
    /// <remarks>
    /// librdkafka's mock always binds its listeners to random loopback ports and has no setting to choose them.
    /// With a fixed port, the broker relays each fixed port to its broker's real listener and advertises the fixed
    /// ports in metadata, so clients never see the random ones. Without it, read
    /// <see cref="EmbeddedBroker.BootstrapServers"/> (the CLI prints it).
    /// </remarks>
    public int? Port { get; init; }

    /// <summary>librdkafka's <c>log_level</c> (syslog levels, 0-7) for the broker's own log lines on stderr; 4 (warnings) by default.</summary>
    public int LogLevel { get; init; } = 4;

    internal void Validate()
    {
        if (Brokers is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(Brokers), Brokers, "An embedded cluster has 1 to 64 brokers.");
        }

        if (Port is { } port && (port < 1 || port + Brokers - 1 > 65_535))
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, $"Ports {port}..{port + Brokers - 1} are not all valid TCP ports.");
        }

        if (LogLevel is < 0 or > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(LogLevel), LogLevel, "log_level is a syslog level, 0 to 7.");
        }
    }
}
