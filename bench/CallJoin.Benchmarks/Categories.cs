namespace CallJoin.Benchmarks;

/// <summary>Benchmark categories, for <c>--allCategories</c> and the allocation check.</summary>
internal static class Categories
{
    /// <summary>Per-message paths that must allocate nothing once warm; <c>allocation-check</c> fails on any byte.</summary>
    public const string ZeroAllocation = "ZeroAllocation";
}
