using CallJoin.Core;

namespace CallJoin.Publishing;

/// <summary>How <see cref="CallPublisher"/> reaches Kafka and how much it may have in flight.</summary>
public sealed record PublisherOptions
{
    /// <summary>The Kafka bootstrap list.</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>The topic for call starts.</summary>
    public string StartTopic { get; init; } = WeaveTopics.CallStarted;

    /// <summary>The topic for call ends.</summary>
    public string EndTopic { get; init; } = WeaveTopics.CallEnded;

    /// <summary>Messages handed to the client but not yet acknowledged; beyond it, publishing waits instead of dropping.</summary>
    public int MaxInFlight { get; init; } = 100_000;

    /// <summary>How long the client keeps retrying one message before reporting it failed.</summary>
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Further librdkafka settings (SASL, TLS, linger, compression), applied last.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
