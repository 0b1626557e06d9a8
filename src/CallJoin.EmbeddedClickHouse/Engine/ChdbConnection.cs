namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>One chDB connection: a session that runs one statement at a time.</summary>
/// <remarks>Not thread-safe. Disposing closes it (the engine's base connection keeps the engine alive).</remarks>
internal sealed unsafe class ChdbConnection : IDisposable
{
    private readonly bool _owned;
    private nint* _handle;

    public ChdbConnection(nint* handle, bool owned = true)
    {
        _handle = handle;
        _owned = owned;
    }

    /// <summary>Runs a statement (binary-safe) with its <c>{name:Type}</c> parameters bound by the engine.</summary>
    public ChdbResult Query(ReadOnlySpan<byte> sql, ReadOnlySpan<byte> format, QueryParameters parameters)
    {
        ObjectDisposedException.ThrowIf(_handle == null, this);
        using var bound = parameters.Pin();
        fixed (byte* q = sql)
        fixed (byte* f = format)
        {
            var result = bound.Count == 0
                ? ChdbNative.Query(*_handle, q, (nuint)sql.Length, f, (nuint)format.Length)
                : ChdbNative.QueryWithParameters(*_handle, q, (nuint)sql.Length, f, (nuint)format.Length,
                    bound.Names, bound.NameLengths, bound.Values, bound.ValueLengths, (nuint)bound.Count);
            return new ChdbResult(result);
        }
    }

    /// <summary>Starts a streaming INSERT (<paramref name="sql"/> without its FORMAT clause) fed by appends.</summary>
    public ChdbInsert BeginInsert(ReadOnlySpan<byte> sql, ReadOnlySpan<byte> format, QueryParameters parameters)
    {
        ObjectDisposedException.ThrowIf(_handle == null, this);
        using var bound = parameters.Pin();
        fixed (byte* q = sql)
        fixed (byte* f = format)
        {
            return new ChdbInsert(ChdbNative.BeginInsert(*_handle, q, (nuint)sql.Length, f, (nuint)format.Length,
                bound.Names, bound.NameLengths, bound.Values, bound.ValueLengths, (nuint)bound.Count));
        }
    }

    public void Dispose()
    {
        if (_handle != null && _owned)
        {
            ChdbNative.CloseConnection(_handle);
        }

        _handle = null;
    }
}
