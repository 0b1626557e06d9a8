using CallJoin.Core.State;

namespace CallJoin.State.Tests;

/// <summary>The pending state survives a restart: a checkpoint, then the store reopened from it.</summary>
public sealed class FasterCheckpointTests
{
    [Fact]
    public void A_store_reopened_from_its_checkpoint_holds_exactly_the_checkpointed_values_spilled_ones_included()
    {
        using var directory = new TestDirectory();
        var options = new PendingStoreOptions { Directory = directory.Path, MemoryBudgetBytes = 64 * 1024, IndexSizeBytes = 64 * 1024 };
        using (var store = new FasterPendingStore(options))
        {
            for (var i = 0; i < 3_000; i++)
            {
                TestValues.Apply(store, TestValues.Key(i), PendingAction.Write, TestValues.For(i, 1, 100));
            }

            TestValues.Apply(store, TestValues.Key(0), PendingAction.Delete);
            store.Checkpoint();
            Assert.True(store.Stats.DiskBytes > 0, "nothing had spilled before the checkpoint");

            // After the checkpoint: not recovered.
            TestValues.Apply(store, TestValues.Key(1), PendingAction.Write, TestValues.For(1, 2, 100));
            TestValues.Apply(store, TestValues.Key(2), PendingAction.Delete);
            for (var i = 3_000; i < 3_100; i++)
            {
                TestValues.Apply(store, TestValues.Key(i), PendingAction.Write, TestValues.For(i, 1, 100));
            }
        }

        using var recovered = new FasterPendingStore(options with { RecoverLatest = true });

        Assert.True(recovered.Recovered);
        Assert.Equal(2_999, recovered.Stats.Entries);
        Assert.Equal(2_999 * 100L, recovered.Stats.ValueBytes);
        Assert.Null(TestValues.Read(recovered, TestValues.Key(0)));
        for (var i = 1; i < 3_000; i++)
        {
            Assert.Equal(TestValues.For(i, 1, 100), TestValues.Read(recovered, TestValues.Key(i)));
        }

        Assert.Null(TestValues.Read(recovered, TestValues.Key(3_050)));

        // And it goes on working, and checkpoints again.
        TestValues.Apply(recovered, TestValues.Key(7), PendingAction.Write, TestValues.For(7, 3, 50));
        Assert.Equal(TestValues.For(7, 3, 50), TestValues.Read(recovered, TestValues.Key(7)));
        recovered.Checkpoint();
    }

    [Fact]
    public void Without_a_checkpoint_recovery_opens_an_empty_store()
    {
        using var directory = new TestDirectory();
        using var store = new FasterPendingStore(new PendingStoreOptions { Directory = directory.Path, RecoverLatest = true, MemoryBudgetBytes = 64 * 1024, IndexSizeBytes = 64 * 1024 });

        Assert.False(store.Recovered);
        Assert.Equal(0, store.Stats.Entries);
    }

    [Fact]
    public void Recovery_refuses_a_store_that_deletes_its_files() =>
        Assert.Throws<ArgumentException>(() => new PendingStoreOptions { Directory = "x", RecoverLatest = true, DeleteOnDispose = true }.Validate());
}
