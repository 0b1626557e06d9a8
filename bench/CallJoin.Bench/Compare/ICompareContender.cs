namespace CallJoin.Bench.Compare;

/// <summary>One way of turning the compare run's data into calls (or of reading them back), measured on its own.</summary>
/// <remarks>
/// Contenders run one after another, never concurrently, each once per data variant. A contender reports what it
/// measured and whether its output counts were right; an exception it throws is recorded as an incorrect result.
/// </remarks>
internal interface ICompareContender
{
    /// <summary>The name in the results table, e.g. <c>calljoin-service/clickhouse</c>.</summary>
    string Name { get; }

    /// <summary>Runs against <paramref name="data"/> and returns the result row for its variant.</summary>
    Task<ContenderResult> RunAsync(CompareData data, CancellationToken ct);
}
