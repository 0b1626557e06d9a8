using System.Buffers;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using CallJoin.Core.State;
using CallJoin.State;

namespace CallJoin.Benchmarks;

/// <summary>
/// The join's common path per call: one half arrives and waits (read-modify-write that inserts a 300-byte value), the
/// other half arrives and matches (read-modify-write that deletes it). Reported per key (OperationsPerInvoke), over
/// ever-new keys, as in production.
/// </summary>
[MemoryDiagnoser]
public class PendingStoreBenchmarks
{
    private const int KeysPerInvoke = 1024;
    private const int ValueBytes = 300;

    private readonly byte[] _half = new byte[ValueBytes];
    private string _directory = null!;
    private FasterPendingStore _faster = null!;
    private InMemoryPendingStore _inMemory = null!;
    private Dictionary<CallKey, byte[]> _dictionary = null!;
    private ulong _nextKey;

    [GlobalSetup]
    public void GlobalSetup()
    {
        new Random(42).NextBytes(_half);
        _directory = Path.Combine(Path.GetTempPath(), "calljoin-bench-pending-" + Guid.NewGuid().ToString("N"));
        _faster = new FasterPendingStore(new PendingStoreOptions
        {
            Directory = _directory,
            MemoryBudgetBytes = 64L * 1024 * 1024,
            IndexSizeBytes = 16L * 1024 * 1024,
            DeleteOnDispose = true,
        });
        _inMemory = new InMemoryPendingStore();
        _dictionary = [];
    }

    [GlobalCleanup]
    public void GlobalCleanup()
    {
        _faster.Dispose();
        _inMemory.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = KeysPerInvoke)]
    public int Dictionary_insert_then_match()
    {
        var matched = 0;
        for (var i = 0; i < KeysPerInvoke; i++)
        {
            var key = NextKey();
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_dictionary, key, out var exists);
            if (!exists)
            {
                slot = _half.AsSpan().ToArray();
            }

            if (_dictionary.Remove(key, out var waiting))
            {
                matched += waiting.Length;
            }
        }

        return matched;
    }

    [Benchmark(OperationsPerInvoke = KeysPerInvoke)]
    public int InMemoryPendingStore_insert_then_match() => InsertThenMatch(_inMemory);

    [Benchmark(OperationsPerInvoke = KeysPerInvoke)]
    public int FasterPendingStore_insert_then_match() => InsertThenMatch(_faster);

    private int InsertThenMatch(IPendingStore store)
    {
        var matched = 0;
        for (var i = 0; i < KeysPerInvoke; i++)
        {
            var key = NextKey();
            var arrive = new ArriveOrMatch(_half);
            store.ReadModifyWrite(key, ref arrive);
            var match = new ArriveOrMatch(_half);
            store.ReadModifyWrite(key, ref match);
            matched += match.MatchedBytes;
        }

        return matched;
    }

    private CallKey NextKey()
    {
        var n = ++_nextKey;
        return new(n * 0x9E3779B97F4A7C15UL, n);
    }

    /// <summary>Stores this half when the key has none waiting; otherwise consumes the waiting one.</summary>
    private struct ArriveOrMatch(byte[] half) : IPendingMerge
    {
        public int MatchedBytes { get; private set; }

        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            if (exists)
            {
                MatchedBytes = current.Length;
                return PendingAction.Delete;
            }

            next.Write(half);
            return PendingAction.Write;
        }
    }
}
