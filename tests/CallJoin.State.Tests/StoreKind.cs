namespace CallJoin.State.Tests;

/// <summary>Which <see cref="CallJoin.Core.State.IPendingStore"/> a contract test runs against.</summary>
public enum StoreKind
{
    Faster,
    InMemory,
}
