using CallJoin.Core.State;

namespace CallJoin.State.Tests;

/// <summary>What a crash between checkpoints may find on disk: the checkpoint before, whole, with its own cookie.</summary>
public sealed class FasterCheckpointSafetyTests
{
    private static PendingStoreOptions Options(TestDirectory directory) =>
        new() { Directory = directory.Path, MemoryBudgetBytes = 64 * 1024, IndexSizeBytes = 64 * 1024 };

    [Fact]
    public void A_crash_after_compaction_and_before_the_next_checkpoint_recovers_the_checkpoint_before_whole()
    {
        using var directory = new TestDirectory();
        // The live values first, in the first 64 MiB segment file, then more than a segment of values written and
        // deleted: compaction copies the live ones to the tail and has whole files to give back.
        const int Written = 700_000;
        using (var store = new FasterPendingStore(Options(directory)))
        {
            for (var i = Written - 100; i < Written; i++)
            {
                TestValues.Apply(store, TestValues.Key(i), PendingAction.Write, TestValues.For(i, 1, 100));
            }

            for (var i = 0; i < Written - 100; i++)
            {
                TestValues.Apply(store, TestValues.Key(i), PendingAction.Write, TestValues.For(i, 1, 100));
                TestValues.Apply(store, TestValues.Key(i), PendingAction.Delete);
            }

            store.Checkpoint("first"u8);
            var begin = store.Compact();
            Assert.True(begin > 1L << 26, "the log was compacted past its first segment");

            // The process dies here: no checkpoint after the compaction.
        }

        using var recovered = new FasterPendingStore(Options(directory) with { RecoverLatest = true });
        Assert.True(recovered.Recovered);
        Assert.Equal("first"u8.ToArray(), recovered.RecoveredCookie.ToArray());
        Assert.Equal(100, recovered.Stats.Entries);
        for (var i = Written - 100; i < Written; i++)
        {
            Assert.Equal(TestValues.For(i, 1, 100), TestValues.Read(recovered, TestValues.Key(i)));
        }

        Assert.Null(TestValues.Read(recovered, TestValues.Key(5)));
    }

    [Fact]
    public void A_compacted_log_checkpointed_again_recovers_with_the_newer_cookie()
    {
        using var directory = new TestDirectory();
        using (var store = new FasterPendingStore(Options(directory)))
        {
            for (var i = 0; i < 4_000; i++)
            {
                TestValues.Apply(store, TestValues.Key(i), PendingAction.Write, TestValues.For(i, 1, 100));
            }

            for (var i = 0; i < 3_000; i++)
            {
                TestValues.Apply(store, TestValues.Key(i), PendingAction.Delete);
            }

            store.Checkpoint("first"u8);
            store.Compact();
            TestValues.Apply(store, TestValues.Key(3_500), PendingAction.Write, TestValues.For(3_500, 2, 100));
            store.Checkpoint("second"u8);
        }

        using var recovered = new FasterPendingStore(Options(directory) with { RecoverLatest = true });
        Assert.Equal("second"u8.ToArray(), recovered.RecoveredCookie.ToArray());
        Assert.Equal(1_000, recovered.Stats.Entries);
        Assert.Equal(TestValues.For(3_500, 2, 100), TestValues.Read(recovered, TestValues.Key(3_500)));
        Assert.Equal(TestValues.For(3_999, 1, 100), TestValues.Read(recovered, TestValues.Key(3_999)));
    }
}
