namespace CallJoin.State;

/// <summary>Where and how large the FASTER-backed pending store is; immutable once built.</summary>
/// <remarks>
/// The memory budget bounds the hybrid log's in-memory pages; records beyond it are evicted to the log files under
/// <see cref="Directory"/>, which is why a directory is always required (FASTER without a device drops evicted
/// records). The hash index is allocated up front and comes on top of the budget.
/// </remarks>
public sealed record PendingStoreOptions
{
    /// <summary>Smallest accepted memory budget: 16 pages of the smallest (4 KiB) page size.</summary>
    public const long MinMemoryBudgetBytes = 64 * 1024;

    /// <summary>Smallest accepted index: 64 hash buckets of 64 bytes.</summary>
    public const long MinIndexSizeBytes = 4 * 1024;

    /// <summary>Folder for the hybrid log's segment files; created when missing.</summary>
    public required string Directory { get; init; }

    /// <summary>
    /// Bytes of log pages kept in memory, rounded down to a power of two; the rest of the state lives on disk. The page
    /// size, and so the largest value, follows from it (1/64 of the budget, 4 KiB to 32 MiB). Default 256 MiB.
    /// </summary>
    public long MemoryBudgetBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// Bytes of the hash index (64-byte buckets of 7 entries, a power of two). Default 16 MiB, about 1.8 million keys
    /// before overflow buckets are used.
    /// </summary>
    public long IndexSizeBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Deletes the log's segment files and checkpoints when the store is disposed (nothing to recover later).</summary>
    public bool DeleteOnDispose { get; init; }

    /// <summary>
    /// Opens the state of the latest <see cref="FasterPendingStore.Checkpoint"/> under <see cref="Directory"/>, if any,
    /// instead of an empty store. Writes made after that checkpoint are not recovered.
    /// </summary>
    public bool RecoverLatest { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("PendingStoreOptions.Directory is required: the hybrid log spills there.");
        }

        if (MemoryBudgetBytes < MinMemoryBudgetBytes)
        {
            throw new ArgumentException(
                $"PendingStoreOptions.MemoryBudgetBytes must be at least {MinMemoryBudgetBytes}, got {MemoryBudgetBytes}.");
        }

        if (RecoverLatest && DeleteOnDispose)
        {
            throw new ArgumentException("PendingStoreOptions.RecoverLatest needs DeleteOnDispose false: the log files are what it recovers.");
        }

        if (IndexSizeBytes < MinIndexSizeBytes || !long.IsPow2(IndexSizeBytes))
        {
            throw new ArgumentException(
                $"PendingStoreOptions.IndexSizeBytes must be a power of two of at least {MinIndexSizeBytes}, got {IndexSizeBytes}.");
        }
    }
}
