using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State.Supplier;
using Streamiz.Kafka.Net.Stream;
using StreamizStores = Streamiz.Kafka.Net.State.Stores;
using StreamizTopology = Streamiz.Kafka.Net.Stream.Topology;

namespace CallJoin.Bench.Compare.Streamiz;

/// <summary>
/// The Streamiz contender's topology: a KStream of starts and a KStream of ends, both keyed by call id as published,
/// joined by a KStream-KStream windowed inner join whose joiner builds our calls_complete row.
/// </summary>
/// <remarks>
/// Each side's records wait in a window store (RocksDB or in memory, retention window × 2 + grace, duplicates kept)
/// backed by a changelog topic <c>&lt;application.id&gt;-&lt;store&gt;-changelog</c>. Rows are counted, handed to an
/// optional callback and, when a row topic is named, produced to it.
/// </remarks>
internal static class StreamizJoinTopology
{
    /// <summary>The starts' window store.</summary>
    public const string StartStore = "call-starts-join-store";

    /// <summary>The ends' window store.</summary>
    public const string EndStore = "call-ends-join-store";

    /// <summary>Builds the topology; <paramref name="counters"/> sees every input record and every row.</summary>
    public static StreamizTopology Build(StreamizJoinSettings settings, CallRowJoiner joiner, StreamizCounters counters, string? rowTopic)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(joiner);
        ArgumentNullException.ThrowIfNull(counters);
        var bytes = new ByteArraySerDes();
        var builder = new StreamBuilder();
        var starts = builder.Stream(settings.StartTopic, bytes, bytes).Peek((_, _, _) => counters.RecordIn());
        var ends = builder.Stream(settings.EndTopic, bytes, bytes).Peek((_, _, _) => counters.RecordIn());

        // Join window stores must match the window exactly: size = before + after, retention = size + grace.
        var windows = JoinWindowOptions.Of(settings.Window, settings.Grace);
        var size = TimeSpan.FromMilliseconds(windows.Size);
        var retention = TimeSpan.FromMilliseconds(windows.Size + windows.GracePeriodMs);
        var props = StreamJoinProps.With<byte[], byte[], byte[]>(
            Store(settings, StartStore, retention, size),
            Store(settings, EndStore, retention, size));

        // The stores' serdes are the config's defaults: byte arrays (see StreamizRun.Config).

        var rows = starts
            .Join(ends, joiner.Join, windows, props)
            .Filter((_, row, _) => row.Length > 0)
            .Peek((key, row, _) => counters.RowOut(key, row));
        if (rowTopic is not null)
        {
            rows.To(rowTopic, bytes, bytes);
        }

        return builder.Build();
    }

    /// <summary>The state stores of <paramref name="topology"/>, from its description.</summary>
    public static IReadOnlyList<string> StoreNames(StreamizTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return [.. topology.Describe().SubTopologies
            .SelectMany(s => s.Nodes)
            .OfType<IProcessorNodeDescription>()
            .SelectMany(n => n.Stores)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The changelog topic Streamiz writes for <paramref name="store"/>.</summary>
    public static string ChangelogTopic(string applicationId, string store) => $"{applicationId}-{store}-changelog";

    private static IWindowBytesStoreSupplier Store(StreamizJoinSettings settings, string name, TimeSpan retention, TimeSpan size) =>
        settings.PersistentStores
            // Streamiz's own default for join stores: RocksDB, a segment per max(size + grace / 2, 1 min), duplicates kept.
            ? StreamizStores.PersistentWindowStore(name, retention, size, (long)Math.Max(size.TotalMilliseconds + ((retention - size).TotalMilliseconds / 2), 60_000), retainDuplicates: true)
            : StreamizStores.InMemoryWindowStore(name, retention, size, retainDuplicates: true);
}
