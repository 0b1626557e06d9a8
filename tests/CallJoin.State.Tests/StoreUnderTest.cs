using CallJoin.Core.State;

namespace CallJoin.State.Tests;

/// <summary>A store of the given kind in its own temp folder; disposing closes the store, then deletes the folder.</summary>
internal sealed class StoreUnderTest : IDisposable
{
    private readonly TestDirectory _directory = new();

    public StoreUnderTest(StoreKind kind, long memoryBudgetBytes = 1024 * 1024, long indexSizeBytes = 64 * 1024) =>
        Store = kind == StoreKind.Faster
            ? new FasterPendingStore(Options(memoryBudgetBytes, indexSizeBytes))
            : new InMemoryPendingStore();

    public IPendingStore Store { get; }

    public FasterPendingStore Faster => (FasterPendingStore)Store;

    public string DirectoryPath => _directory.Path;

    public PendingStoreOptions Options(long memoryBudgetBytes, long indexSizeBytes) => new()
    {
        Directory = System.IO.Path.Combine(_directory.Path, "log"),
        MemoryBudgetBytes = memoryBudgetBytes,
        IndexSizeBytes = indexSizeBytes,
        DeleteOnDispose = true,
    };

    public void Dispose()
    {
        Store.Dispose();
        _directory.Dispose();
    }
}
