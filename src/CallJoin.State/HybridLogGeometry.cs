namespace CallJoin.State;

/// <summary>
/// The FASTER log and index sizes derived from <see cref="PendingStoreOptions"/>. FASTER sizes its circular page
/// buffer in powers of two and, when flushing lags, lets the log fill the whole buffer; so the buffer is the budget
/// rounded down to a power of two, which makes the budget a hard bound.
/// </summary>
/// <param name="PageSizeBits">log2 of the page size: 64 pages per buffer where possible, between 4 KiB and 32 MiB.</param>
/// <param name="MemorySizeBits">log2 of the circular page buffer: the largest power of two within the budget.</param>
/// <param name="SegmentSizeBits">log2 of one segment file on disk.</param>
/// <param name="IndexBuckets">64-byte hash buckets (a power of two).</param>
public readonly record struct HybridLogGeometry(
    int PageSizeBits,
    int MemorySizeBits,
    int SegmentSizeBits,
    long IndexBuckets)
{
    /// <summary>Record header (8) + key (16) + value length prefix (4): a value of n bytes takes n + 28, 8-aligned.</summary>
    public const int RecordOverheadBytes = 28;

    private const int PagesPerBufferBits = 6;
    private const int MinPageSizeBits = 12;
    private const int MaxPageSizeBits = 25;
    private const int MinSegmentSizeBits = 26;

    /// <summary>Bytes of one log page.</summary>
    public int PageSizeBytes => 1 << PageSizeBits;

    /// <summary>Pages the log may keep in memory.</summary>
    public int MemoryPages => 1 << (MemorySizeBits - PageSizeBits);

    /// <summary>Bytes of log pages the store may hold in memory.</summary>
    public long MemoryBytes => 1L << MemorySizeBits;

    /// <summary>Largest value a record can hold: a record never spans pages.</summary>
    public int MaxValueBytes => PageSizeBytes - RecordOverheadBytes;

    /// <summary>Derives the geometry; <paramref name="options"/> must be valid.</summary>
    public static HybridLogGeometry From(PendingStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var memoryBits = 63 - (int)long.LeadingZeroCount(options.MemoryBudgetBytes);
        var pageBits = Math.Clamp(memoryBits - PagesPerBufferBits, MinPageSizeBits, MaxPageSizeBits);
        return new(pageBits, memoryBits, Math.Max(pageBits, MinSegmentSizeBits), options.IndexSizeBytes / 64);
    }
}
