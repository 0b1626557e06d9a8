namespace CallJoin.Chaos;

/// <summary>What a service's <c>/readyz</c> said.</summary>
/// <param name="Ready">200: migrated, consuming and not paused.</param>
/// <param name="Partitions">The start-topic partitions it reads (the same numbers of the end topic).</param>
/// <param name="Consumed">Messages consumed since it started.</param>
public sealed record ServiceReadiness(bool Ready, IReadOnlyList<int> Partitions, long Consumed);
