using System.Buffers;

namespace CallJoin.Core.State;

/// <summary>
/// A <see cref="IPendingStore"/> over a dictionary of byte arrays: the test double for the join engine and the
/// reference the FASTER store is checked against.
/// </summary>
/// <remarks>Single-threaded, like every pending store. Nothing spills: <see cref="PendingStoreStats.DiskBytes"/> is 0.</remarks>
public sealed class InMemoryPendingStore : IPendingStore
{
    // byte[] object header + length on 64-bit; Dictionary entry: hash code, next, key, value reference.
    private const int ArrayOverheadBytes = 24;
    private const int EntryBytes = 4 + 4 + 16 + 8;

    private readonly Dictionary<CallKey, byte[]> _values = [];
    private readonly ArrayBufferWriter<byte> _next = new();
    private long _valueBytes;
    private long _arrayBytes;
    private bool _disposed;

    /// <inheritdoc />
    public int MaxValueBytes => Array.MaxLength;

    /// <inheritdoc />
    public PendingStoreStats Stats
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var capacity = _values.EnsureCapacity(0);
            return new(_values.Count, _valueBytes, _arrayBytes + ((long)capacity * (EntryBytes + sizeof(int))), 0);
        }
    }

    /// <inheritdoc />
    public PendingAction ReadModifyWrite<TMerge>(in CallKey key, ref TMerge merge)
        where TMerge : struct, IPendingMerge
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var exists = _values.TryGetValue(key, out var current);
        _next.ResetWrittenCount();
        var action = merge.Merge(current, exists, _next);
        switch (action)
        {
            case PendingAction.Write:
                var next = _next.WrittenSpan;
                if (current is not null && current.Length == next.Length)
                {
                    next.CopyTo(current);
                    break;
                }

                _values[key] = next.ToArray();
                _valueBytes += next.Length - (current?.Length ?? 0);
                _arrayBytes += ArrayBytes(next.Length) - (current is null ? 0 : ArrayBytes(current.Length));
                break;
            case PendingAction.Delete when current is not null:
                _values.Remove(key);
                _valueBytes -= current.Length;
                _arrayBytes -= ArrayBytes(current.Length);
                break;
            case PendingAction.Keep:
            case PendingAction.Delete:
                break;
            default:
                throw new InvalidOperationException($"IPendingMerge.Merge returned an unknown action {action}.");
        }

        return action;
    }

    /// <inheritdoc />
    public long RemoveWhere<TFilter>(ref TFilter filter)
        where TFilter : struct, IPendingFilter
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        List<CallKey> removed = [];
        foreach (var (key, value) in _values)
        {
            if (filter.ShouldRemove(value))
            {
                removed.Add(key);
            }
        }

        foreach (var key in removed)
        {
            var value = _values[key];
            _values.Remove(key);
            _valueBytes -= value.Length;
            _arrayBytes -= ArrayBytes(value.Length);
        }

        return removed.Count;
    }

    /// <inheritdoc />
    public void Visit<TVisitor>(ref TVisitor visitor)
        where TVisitor : struct, IPendingVisitor
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var (key, value) in _values)
        {
            visitor.Visit(key, value);
        }
    }

    /// <inheritdoc />
    public bool TryRead(in CallKey key, IBufferWriter<byte> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_values.TryGetValue(key, out var current))
        {
            return false;
        }

        value.Write(current);
        return true;
    }

    public void Dispose()
    {
        _disposed = true;
        _values.Clear();
    }

    private static long ArrayBytes(int length) => ArrayOverheadBytes + ((length + 7L) & ~7L);
}
