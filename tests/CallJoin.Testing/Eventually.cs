using Xunit;

namespace CallJoin.Testing;

/// <summary>
/// Waits for a condition in the background work of a test (a service reading, ClickHouse coming back). The bound only
/// keeps a broken run from hanging: when it passes the test fails, naming what never happened — a wait never falls
/// through silently, and nothing is asserted about how long it took.
/// </summary>
public static class Eventually
{
    /// <summary>The default bound: generous for a loaded 2-core CI machine.</summary>
    public static TimeSpan DefaultBound { get; } = TimeSpan.FromMinutes(3);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/> if the bound passes first.</summary>
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? bound = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, bound);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/> if the bound passes first.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? bound = null)
    {
        var limit = bound ?? DefaultBound;
        var deadline = DateTime.UtcNow + limit;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"Waited {limit.TotalSeconds:0} s and this never happened: {what}");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
