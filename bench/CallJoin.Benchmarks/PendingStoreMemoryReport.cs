using System.Buffers;
using System.Diagnostics;
using CallJoin.Core.State;
using CallJoin.State;

namespace CallJoin.Benchmarks;

/// <summary>
/// Fills each pending store with a million waiting 300-byte halves and prints what it holds in memory against the raw
/// value bytes and the target of 1.2 x raw + 64 bytes per entry. Run: <c>-- pending-memory</c>.
/// </summary>
internal static class PendingStoreMemoryReport
{
    private const int Entries = 1_000_000;
    private const int ValueBytes = 300;

    public static void Run(TextWriter output)
    {
        const long raw = (long)Entries * ValueBytes;
        const long target = (raw * 12 / 10) + (64L * Entries);
        output.WriteLine($"{Entries:N0} entries x {ValueBytes} B = {Mb(raw)} raw; target <= {Mb(target)}");
        output.WriteLine("| store | MemoryBytes (stats) | x raw | managed heap delta | fill time |");
        output.WriteLine("|---|---:|---:|---:|---:|");

        var directory = Path.Combine(Path.GetTempPath(), "calljoin-pending-memory-" + Guid.NewGuid().ToString("N"));
        try
        {
            Measure(output, "FasterPendingStore (512 MiB budget, 16 MiB index)", raw, () => new FasterPendingStore(new PendingStoreOptions
            {
                Directory = directory,
                MemoryBudgetBytes = 512L * 1024 * 1024,
                IndexSizeBytes = 16L * 1024 * 1024,
                DeleteOnDispose = true,
            }));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        Measure(output, "InMemoryPendingStore", raw, () => new InMemoryPendingStore());
    }

    private static void Measure(TextWriter output, string name, long raw, Func<IPendingStore> open)
    {
        var before = HeapBytes();
        var clock = Stopwatch.StartNew();
        using var store = open();
        var value = new byte[ValueBytes];
        for (var i = 0; i < Entries; i++)
        {
            var n = (ulong)i + 1;
            var insert = new Insert(value);
            store.ReadModifyWrite(new CallKey(n * 0x9E3779B97F4A7C15UL, n), ref insert);
        }

        clock.Stop();
        var stats = store.Stats;
        var heap = HeapBytes() - before;
        output.WriteLine(
            $"| {name} | {Mb(stats.MemoryBytes)} | {(double)stats.MemoryBytes / raw:F2} | {Mb(heap)} | {clock.Elapsed.TotalSeconds:F1} s |");
        if (stats.Entries != Entries || stats.ValueBytes != raw)
        {
            throw new InvalidOperationException($"Unexpected stats {stats}.");
        }
    }

    private static long HeapBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetGCMemoryInfo().HeapSizeBytes;
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):F1} MiB";

    private readonly struct Insert(byte[] value) : IPendingMerge
    {
        public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> next)
        {
            next.Write(value);
            return PendingAction.Write;
        }
    }
}
