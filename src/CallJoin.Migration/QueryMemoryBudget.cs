using ClickHouse.Driver;

namespace CallJoin.Migration;

/// <summary>Query settings that bound one read of the migration tools: spill aggregation and sorting early, fail above the cap.</summary>
public static class QueryMemoryBudget
{
    /// <summary>Settings for reads that may use at most <paramref name="maxBytes"/> (ClickHouse's <c>max_memory_usage</c>).</summary>
    public static QueryOptions Options(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1024L * 1024);
        var spill = maxBytes / 2;
        return new QueryOptions
        {
            CustomSettings = new Dictionary<string, object>
            {
                ["max_memory_usage"] = maxBytes,
                ["max_bytes_before_external_group_by"] = spill,
                ["max_bytes_before_external_sort"] = spill,
            },
        };
    }
}
