namespace CallJoin.Service.Tests;

/// <summary>End-to-end service tests run one at a time: each runs a whole service (consume thread, sink, HTTP) on two cores.</summary>
[CollectionDefinition(nameof(ServiceRuns), DisableParallelization = true)]
public sealed class ServiceRuns;
