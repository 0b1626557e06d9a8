using System.Buffers;
using CallJoin.Core.State;

namespace CallJoin.State.Tests;

public sealed class FasterPendingStoreTests
{
    [Fact]
    public void State_larger_than_the_memory_budget_spills_to_disk_and_reads_back_exactly()
    {
        const int Keys = 50_000;
        const int ValueBytes = 1_000;
        const long Budget = 2 * 1024 * 1024;
        using var sut = new StoreUnderTest(StoreKind.Faster, Budget, indexSizeBytes: 1024 * 1024);
        for (var i = 0; i < Keys; i++)
        {
            TestValues.Apply(sut.Store, TestValues.Key(i), PendingAction.Write, TestValues.For(i, 0, ValueBytes));
        }

        var stats = sut.Store.Stats;
        Assert.Equal(Keys, stats.Entries);
        Assert.Equal((long)Keys * ValueBytes, stats.ValueBytes);
        Assert.InRange(stats.MemoryBytes - sut.Faster.IndexBytes, 1, Budget);
        Assert.True(stats.DiskBytes > 40_000_000, $"DiskBytes {stats.DiskBytes}");
        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal(TestValues.For(i, 0, ValueBytes), TestValues.Read(sut.Store, TestValues.Key(i)));
        }
    }

    [Fact]
    public void Merge_runs_exactly_once_per_operation_when_records_are_on_disk()
    {
        const int Keys = 2_000;
        using var sut = new StoreUnderTest(StoreKind.Faster, memoryBudgetBytes: PendingStoreOptions.MinMemoryBudgetBytes);
        for (var i = 0; i < Keys; i++)
        {
            TestValues.Apply(sut.Store, TestValues.Key(i), PendingAction.Write, TestValues.For(i, 0, 200));
        }

        Assert.True(sut.Store.Stats.DiskBytes > 300_000, "most records should have been evicted");

        // Replace with a longer value (copy to the tail, record read from disk), keep, shrink in the mutable
        // region, delete: each a single merge call that sees the value the previous step left.
        for (var i = 0; i < Keys; i++)
        {
            var key = TestValues.Key(i);
            var grow = new RecordingMerge(PendingAction.Write, TestValues.For(i, 1, 300));
            Assert.Equal(PendingAction.Write, sut.Store.ReadModifyWrite(key, ref grow));
            Assert.Equal(1, grow.Calls);
            Assert.Equal(TestValues.For(i, 0, 200), grow.SawCurrent);
        }

        for (var i = 0; i < Keys; i++)
        {
            var key = TestValues.Key(i);
            var keep = new RecordingMerge(PendingAction.Keep);
            sut.Store.ReadModifyWrite(key, ref keep);
            Assert.Equal(1, keep.Calls);
            Assert.Equal(TestValues.For(i, 1, 300), keep.SawCurrent);

            var shrink = new RecordingMerge(PendingAction.Write, TestValues.For(i, 2, 10));
            sut.Store.ReadModifyWrite(key, ref shrink);
            Assert.Equal(1, shrink.Calls);
        }

        for (var i = 0; i < Keys; i++)
        {
            var delete = new RecordingMerge(PendingAction.Delete);
            sut.Store.ReadModifyWrite(TestValues.Key(i), ref delete);
            Assert.Equal(1, delete.Calls);
            Assert.Equal(TestValues.For(i, 2, 10), delete.SawCurrent);
        }

        Assert.Equal(0, sut.Store.Stats.Entries);
        Assert.Equal(0, sut.Store.Stats.ValueBytes);
        for (var i = 0; i < Keys; i++)
        {
            var probe = new RecordingMerge(PendingAction.Keep);
            sut.Store.ReadModifyWrite(TestValues.Key(i), ref probe);
            Assert.Equal(1, probe.Calls);
            Assert.False(probe.SawExists);
        }
    }

    [Fact]
    public void Compaction_drops_deleted_records_and_keeps_live_ones()
    {
        const int Keys = 4_000;
        using var sut = new StoreUnderTest(StoreKind.Faster, memoryBudgetBytes: 256 * 1024);
        for (var i = 0; i < Keys; i++)
        {
            TestValues.Apply(sut.Store, TestValues.Key(i), PendingAction.Write, TestValues.For(i, 0, 250));
        }

        for (var i = 0; i < Keys; i += 2)
        {
            TestValues.Apply(sut.Store, TestValues.Key(i), PendingAction.Delete);
        }

        var before = sut.Store.Stats;
        var begin = sut.Faster.Compact();
        var after = sut.Store.Stats;

        Assert.True(begin > 64, $"begin address {begin}");
        Assert.Equal(before.Entries, after.Entries);
        Assert.Equal(before.ValueBytes, after.ValueBytes);
        for (var i = 0; i < Keys; i++)
        {
            var expected = i % 2 == 0 ? null : TestValues.For(i, 0, 250);
            Assert.Equal(expected, TestValues.Read(sut.Store, TestValues.Key(i)));
        }

        // The store keeps working after compaction.
        TestValues.Apply(sut.Store, TestValues.Key(0), PendingAction.Write, [7]);
        Assert.Equal([7], TestValues.Read(sut.Store, TestValues.Key(0)));
    }

    [Fact]
    public void A_value_larger_than_a_page_is_rejected_and_the_store_is_unchanged()
    {
        using var sut = new StoreUnderTest(StoreKind.Faster, memoryBudgetBytes: PendingStoreOptions.MinMemoryBudgetBytes);
        var key = TestValues.Key(1);
        TestValues.Apply(sut.Store, key, PendingAction.Write, [1]);
        var tooLarge = new RecordingMerge(PendingAction.Write, new byte[sut.Faster.MaxValueBytes + 1]);

        Assert.Throws<InvalidOperationException>(() => sut.Store.ReadModifyWrite(key, ref tooLarge));

        Assert.Equal([1], TestValues.Read(sut.Store, key));
        var largest = TestValues.For(1, 1, sut.Faster.MaxValueBytes);
        TestValues.Apply(sut.Store, key, PendingAction.Write, largest);
        Assert.Equal(largest, TestValues.Read(sut.Store, key));
        Assert.Equal(largest.Length, sut.Store.Stats.ValueBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Structured_keys_spread_over_the_index(int family)
    {
        // 20,000 keys fit the 16,384 buckets x 7 entries of a 1 MiB index; a hash that lets a key family collide
        // would pile them into overflow buckets and walk long chains (to disk once evicted) on every lookup.
        const int Keys = 20_000;
        using var sut = new StoreUnderTest(StoreKind.Faster, indexSizeBytes: 1024 * 1024);
        for (var i = 1; i <= Keys; i++)
        {
            var n = (ulong)i;
            CallKey key = family switch
            {
                0 => new(n, 0),
                1 => new(0, n),
                2 => new(n * 0x9E3779B97F4A7C15UL, n),
                _ => new(n, n),
            };
            TestValues.Apply(sut.Store, key, PendingAction.Write, [1]);
        }

        Assert.InRange(sut.Faster.IndexBytes, 1024 * 1024, (1024 * 1024) + (64 * 256));
    }

    [Fact]
    public void Inserts_and_matches_keep_working_once_the_log_has_wrapped()
    {
        const int Pairs = 20_000;
        // Warm up until the log has wrapped around its 16 MiB of pages: from then on pages are reused, not allocated.
        const int WarmUpPairs = 60_000;
        using var sut = new StoreUnderTest(StoreKind.Faster, memoryBudgetBytes: 16 * 1024 * 1024);
        var half = TestValues.For(0, 0, 300);
        var buffer = new ArrayBufferWriter<byte>(1024);
        InsertThenMatch(sut.Store, half, buffer, 0, WarmUpPairs);
        Assert.True(sut.Store.Stats.DiskBytes > 0);

        // Allocation per operation in this steady state is measured by bench/CallJoin.Benchmarks (PendingStoreBenchmarks).
        InsertThenMatch(sut.Store, half, buffer, WarmUpPairs, Pairs);
        Assert.Equal(0, sut.Store.Stats.Entries);
    }

    [Fact]
    public void Dispose_deletes_the_log_files_when_asked()
    {
        using var directory = new TestDirectory();
        var logDirectory = Path.Combine(directory.Path, "log");
        var store = new FasterPendingStore(new PendingStoreOptions
        {
            Directory = logDirectory,
            MemoryBudgetBytes = PendingStoreOptions.MinMemoryBudgetBytes,
            IndexSizeBytes = PendingStoreOptions.MinIndexSizeBytes,
            DeleteOnDispose = true,
        });
        for (var i = 0; i < 1_000; i++)
        {
            TestValues.Apply(store, TestValues.Key(i), PendingAction.Write, new byte[200]);
        }

        Assert.NotEmpty(Directory.GetFiles(logDirectory, "*", SearchOption.AllDirectories));

        store.Dispose();

        Assert.Empty(Directory.GetFiles(logDirectory, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData(64 * 1024, 12, 16)]
    [InlineData(1024 * 1024, 14, 64)]
    [InlineData(3 * 1024 * 1024, 15, 64)]
    [InlineData(4L * 1024 * 1024 * 1024, 25, 128)]
    public void The_memory_budget_maps_to_pages_within_it(long budget, int pageBits, int pages)
    {
        var geometry = HybridLogGeometry.From(new PendingStoreOptions { Directory = "unused", MemoryBudgetBytes = budget });

        Assert.Equal(pageBits, geometry.PageSizeBits);
        Assert.Equal(pages, geometry.MemoryPages);
        Assert.Equal((long)geometry.MemoryPages * geometry.PageSizeBytes, geometry.MemoryBytes);
        Assert.True(geometry.MemoryBytes <= budget);
        Assert.Equal(geometry.PageSizeBytes - 28, geometry.MaxValueBytes);
    }

    [Theory]
    [InlineData("", 1024 * 1024, 4096)]
    [InlineData("dir", 1024, 4096)]
    [InlineData("dir", 1024 * 1024, 5000)]
    [InlineData("dir", 1024 * 1024, 1024)]
    public void Invalid_options_are_rejected(string directory, long budget, long indexBytes)
    {
        var options = new PendingStoreOptions { Directory = directory, MemoryBudgetBytes = budget, IndexSizeBytes = indexBytes };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    private static void InsertThenMatch(IPendingStore store, byte[] half, ArrayBufferWriter<byte> buffer, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            var key = TestValues.Key(i);
            var insert = new FixedMerge(PendingAction.Write, half);
            store.ReadModifyWrite(key, ref insert);
            buffer.ResetWrittenCount();
            Assert.True(store.TryRead(key, buffer));
            var match = new FixedMerge(PendingAction.Delete, half);
            store.ReadModifyWrite(key, ref match);
        }
    }

    /// <summary>A merge without bookkeeping (<see cref="RecordingMerge"/> copies what it sees).</summary>
    private readonly struct FixedMerge(PendingAction action, byte[] next) : IPendingMerge
    {
        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> nextValue)
        {
            if (action == PendingAction.Write)
            {
                nextValue.Write(next);
            }

            return action;
        }
    }
}
