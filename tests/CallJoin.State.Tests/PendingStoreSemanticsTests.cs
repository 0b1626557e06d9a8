using System.Buffers;
using CallJoin.Core.State;

namespace CallJoin.State.Tests;

public sealed class PendingStoreSemanticsTests
{
    public static TheoryData<StoreKind> Kinds => [StoreKind.Faster, StoreKind.InMemory];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Write_inserts_when_absent_and_the_merge_sees_no_value(StoreKind kind)
    {
        using var sut = new StoreUnderTest(kind);
        var key = TestValues.Key(1);
        var merge = new RecordingMerge(PendingAction.Write, [1, 2, 3]);

        Assert.Equal(PendingAction.Write, sut.Store.ReadModifyWrite(key, ref merge));

        Assert.Equal(1, merge.Calls);
        Assert.False(merge.SawExists);
        Assert.Equal([1, 2, 3], TestValues.Read(sut.Store, key));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Write_replaces_and_the_merge_sees_the_current_value(StoreKind kind)
    {
        using var sut = new StoreUnderTest(kind);
        var key = TestValues.Key(2);
        TestValues.Apply(sut.Store, key, PendingAction.Write, [1, 2, 3]);

        // Same length (in place), shorter, longer, empty.
        byte[][] versions = [[4, 5, 6], [7], [8, 9, 10, 11, 12, 13, 14, 15, 16, 17], []];
        var previous = new byte[] { 1, 2, 3 };
        foreach (var next in versions)
        {
            var merge = new RecordingMerge(PendingAction.Write, next);
            Assert.Equal(PendingAction.Write, sut.Store.ReadModifyWrite(key, ref merge));
            Assert.True(merge.SawExists);
            Assert.Equal(previous, merge.SawCurrent);
            Assert.Equal(next, TestValues.Read(sut.Store, key));
            previous = next;
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Delete_removes_the_entry(StoreKind kind)
    {
        using var sut = new StoreUnderTest(kind);
        var key = TestValues.Key(3);
        TestValues.Apply(sut.Store, key, PendingAction.Write, [42]);
        var merge = new RecordingMerge(PendingAction.Delete);

        Assert.Equal(PendingAction.Delete, sut.Store.ReadModifyWrite(key, ref merge));

        Assert.Equal([42], merge.SawCurrent);
        Assert.Null(TestValues.Read(sut.Store, key));
        Assert.Equal(new PendingStoreStats(0, 0, sut.Store.Stats.MemoryBytes, sut.Store.Stats.DiskBytes), sut.Store.Stats);
        var again = new RecordingMerge(PendingAction.Keep);
        sut.Store.ReadModifyWrite(key, ref again);
        Assert.False(again.SawExists);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Delete_of_an_absent_key_changes_nothing(StoreKind kind)
    {
        using var sut = new StoreUnderTest(kind);
        var key = TestValues.Key(4);

        Assert.Equal(PendingAction.Delete, TestValues.Apply(sut.Store, key, PendingAction.Delete));

        Assert.Null(TestValues.Read(sut.Store, key));
        Assert.Equal(0, sut.Store.Stats.Entries);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Keep_leaves_a_value_as_it_is_and_an_absent_key_absent(StoreKind kind)
    {
        using var sut = new StoreUnderTest(kind);
        var present = TestValues.Key(5);
        var absent = TestValues.Key(6);
        TestValues.Apply(sut.Store, present, PendingAction.Write, [9, 9]);

        Assert.Equal(PendingAction.Keep, TestValues.Apply(sut.Store, present, PendingAction.Keep));
        Assert.Equal(PendingAction.Keep, TestValues.Apply(sut.Store, absent, PendingAction.Keep));

        Assert.Equal([9, 9], TestValues.Read(sut.Store, present));
        Assert.Null(TestValues.Read(sut.Store, absent));
        Assert.Equal(1, sut.Store.Stats.Entries);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Bytes_written_by_a_merge_that_keeps_are_discarded(StoreKind kind)
    {
        using var sut = new StoreUnderTest(kind);
        var key = TestValues.Key(7);
        var merge = new WriteThenKeep();

        sut.Store.ReadModifyWrite(key, ref merge);

        Assert.Null(TestValues.Read(sut.Store, key));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_merge_that_throws_leaves_the_store_unchanged(StoreKind kind)
    {
        using var sut = new StoreUnderTest(kind);
        var key = TestValues.Key(8);
        TestValues.Apply(sut.Store, key, PendingAction.Write, [1]);
        var merge = new Throwing();

        Assert.Throws<InvalidOperationException>(() => sut.Store.ReadModifyWrite(key, ref merge));

        Assert.Equal([1], TestValues.Read(sut.Store, key));
        Assert.Equal(1, sut.Store.Stats.Entries);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Stats_count_entries_and_value_bytes(StoreKind kind)
    {
        using var sut = new StoreUnderTest(kind);
        TestValues.Apply(sut.Store, TestValues.Key(1), PendingAction.Write, new byte[100]);
        TestValues.Apply(sut.Store, TestValues.Key(2), PendingAction.Write, new byte[50]);
        TestValues.Apply(sut.Store, TestValues.Key(1), PendingAction.Write, new byte[30]);
        TestValues.Apply(sut.Store, TestValues.Key(3), PendingAction.Write, []);
        TestValues.Apply(sut.Store, TestValues.Key(2), PendingAction.Delete);
        TestValues.Apply(sut.Store, TestValues.Key(4), PendingAction.Delete);
        TestValues.Apply(sut.Store, TestValues.Key(1), PendingAction.Keep);

        var stats = sut.Store.Stats;

        Assert.Equal(2, stats.Entries);
        Assert.Equal(30, stats.ValueBytes);
        Assert.True(stats.MemoryBytes > 0);
        Assert.Equal(0, stats.DiskBytes);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void RemoveWhere_removes_exactly_the_selected_live_entries_including_spilled_ones(StoreKind kind)
    {
        // A 64 KiB budget with 5,000 values of 100 bytes: most records are on disk when the scan runs.
        using var sut = new StoreUnderTest(kind, memoryBudgetBytes: 64 * 1024);
        for (var i = 0; i < 5_000; i++)
        {
            var value = new byte[100];
            value[0] = (byte)(i % 3);
            TestValues.Apply(sut.Store, TestValues.Key(i), PendingAction.Write, value);
        }

        TestValues.Apply(sut.Store, TestValues.Key(0), PendingAction.Write, new byte[100]);   // a newer version: seen once
        TestValues.Apply(sut.Store, TestValues.Key(3), PendingAction.Delete);                 // deleted: not seen

        var filter = new FirstByteIs(0);
        var removed = sut.Store.RemoveWhere(ref filter);

        Assert.Equal(1_666, removed);
        Assert.Equal(5_000 - 1 - 1_666, sut.Store.Stats.Entries);
        Assert.Equal((5_000 - 1 - 1_666) * 100L, sut.Store.Stats.ValueBytes);
        for (var i = 0; i < 5_000; i++)
        {
            Assert.Equal(i % 3 != 0, TestValues.Read(sut.Store, TestValues.Key(i)) is not null);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_disposed_store_refuses_operations(StoreKind kind)
    {
        var sut = new StoreUnderTest(kind);
        sut.Dispose();

        Assert.Throws<ObjectDisposedException>(() => TestValues.Apply(sut.Store, TestValues.Key(1), PendingAction.Keep));
        Assert.Throws<ObjectDisposedException>(() => sut.Store.Stats);
        sut.Store.Dispose();
    }

    private readonly struct FirstByteIs(byte value) : IPendingFilter
    {
        public bool ShouldRemove(ReadOnlySpan<byte> current) => current[0] == value;
    }

    private struct WriteThenKeep : IPendingMerge
    {
        public readonly PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            next.Write<byte>([1, 2, 3]);
            return PendingAction.Keep;
        }
    }

    private struct Throwing : IPendingMerge
    {
        public readonly PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            next.Write<byte>([5, 5]);
            throw new InvalidOperationException("merge failed");
        }
    }
}
