using CallJoin.Core.Tests.Join;
using CallJoin.State;
using CsCheck;

namespace CallJoin.State.Tests;

/// <summary>The join engine over the FASTER store, with a budget small enough that pending halves spill to disk.</summary>
public sealed class JoinOnFasterTests
{
    [Fact]
    public void Engine_over_a_spilling_FASTER_store_matches_the_reference_model() =>
        Gen.Int.Sample(seed =>
        {
            using var directory = new TestDirectory();
            using var store = new FasterPendingStore(new PendingStoreOptions
            {
                Directory = directory.Path,
                MemoryBudgetBytes = PendingStoreOptions.MinMemoryBudgetBytes,
                DeleteOnDispose = true,
            });
            JoinModelCheck.AssertSameAsModel(JoinScenario.Generate(seed, maxCalls: 2_000), JoinScenario.Options, store);
            Assert.True(store.Stats.DiskBytes > 0, "the pending halves never left memory");
        }, iter: 20);
}
