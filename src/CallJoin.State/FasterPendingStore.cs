using System.Buffers;
using CallJoin.Core.Bytes;
using CallJoin.Core.State;
using FASTER.core;

namespace CallJoin.State;

/// <summary>
/// The pending-half store over a FASTER hybrid log: recent records in memory within a budget, older ones evicted to
/// segment files on local disk, so the state can exceed memory.
/// </summary>
/// <remarks>
/// <para>
/// Single-threaded: one FASTER session, used by one thread at a time. The store starts empty, or from its latest
/// <see cref="Checkpoint"/> with <see cref="PendingStoreOptions.RecoverLatest"/>.
/// </para>
/// <para>
/// A read-modify-write is a FASTER Read (waiting for the disk when the record was evicted) that copies the current
/// value into a store-owned buffer, one call of the caller's merge on that copy, then an Upsert or Delete of the
/// decided bytes. The merge never runs inside a FASTER callback, so FASTER's retries (in-place update falling back to
/// copy-update, operations re-executed after going pending) cannot make it run twice; with one session nothing
/// can change the key between the read and the write.
/// </para>
/// </remarks>
public sealed class FasterPendingStore : IPendingStore
{
    private const string LogFileName = "pending.log";

    private readonly PendingStoreOptions _options;
    private readonly HybridLogGeometry _geometry;
    private readonly IDevice _device;
    private readonly FasterKV<CallKey, SpanByte> _store;
    private readonly ClientSession<CallKey, SpanByte, SpanByte, Empty, Empty, PendingRecordFunctions> _session;
    private readonly ReadSlot _read;
    private readonly ByteBuffer _next;
    private long _entries;
    private long _valueBytes;
    private bool _disposed;

    /// <summary>Opens an empty store under <see cref="PendingStoreOptions.Directory"/>.</summary>
    public FasterPendingStore(PendingStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _geometry = HybridLogGeometry.From(options);
        _options = options;
        System.IO.Directory.CreateDirectory(options.Directory);
        _device = Devices.CreateLogDevice(
            Path.Combine(options.Directory, LogFileName),
            preallocateFile: false,
            deleteOnClose: options.DeleteOnDispose,
            recoverDevice: options.RecoverLatest);
        try
        {
            _store = new FasterKV<CallKey, SpanByte>(
                _geometry.IndexBuckets,
                new LogSettings
                {
                    LogDevice = _device,
                    PageSizeBits = _geometry.PageSizeBits,
                    MemorySizeBits = _geometry.MemorySizeBits,
                    SegmentSizeBits = _geometry.SegmentSizeBits,
                    ReadCopyOptions = ReadCopyOptions.None,
                },
                new CheckpointSettings { CheckpointDir = Path.Combine(options.Directory, "checkpoints"), RemoveOutdated = true },
                comparer: CallKeyComparer.Instance,
                concurrencyControlMode: ConcurrencyControlMode.None);
            if (options.RecoverLatest && HasCheckpoint(options.Directory))
            {
                _store.Recover();
                Recovered = true;
            }

            var initialCapacity = Math.Min(_geometry.MaxValueBytes, 4096);
            _read = new(initialCapacity);
            _next = new(Math.Max(initialCapacity, 256), pinned: true);
            var functions = new PendingRecordFunctions(_read);
            _session = _store.For(functions).NewSession<PendingRecordFunctions>(functions);
            if (Recovered)
            {
                CountLiveRecords();
            }
        }
        catch
        {
            _store?.Dispose();
            _device.Dispose();
            throw;
        }
    }

    /// <summary>Whether this store was opened from a checkpoint.</summary>
    public bool Recovered { get; }

    /// <summary>The bytes given to the <see cref="Checkpoint"/> this store was opened from (empty when none or not recovered).</summary>
    public ReadOnlyMemory<byte> RecoveredCookie => Recovered ? _store.RecoveredCommitCookie ?? [] : ReadOnlyMemory<byte>.Empty;

    /// <summary>The options this store was opened with.</summary>
    public PendingStoreOptions Options => _options;

    /// <summary>Largest value a merge may write; longer values are rejected with <see cref="InvalidOperationException"/>.</summary>
    public int MaxValueBytes => _geometry.MaxValueBytes;

    /// <summary>The log and index sizes this store was opened with.</summary>
    public HybridLogGeometry Geometry => _geometry;

    /// <summary>Bytes of the hash index: the main table plus overflow buckets allocated so far.</summary>
    public long IndexBytes
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return (_store.IndexSize + _store.OverflowBucketCount) * 64;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <see cref="PendingStoreStats.MemoryBytes"/> is the log pages allocated (at most the budget) plus
    /// <see cref="IndexBytes"/>; <see cref="PendingStoreStats.DiskBytes"/> is the part of the log evicted from memory
    /// (head minus begin address), including dead records until <see cref="Compact"/> runs.
    /// </remarks>
    public PendingStoreStats Stats
    {
        get
        {
            var index = IndexBytes;
            var log = _store.Log;
            return new(_entries, _valueBytes, log.MemorySizeBytes + index, Math.Max(0, log.HeadAddress - log.BeginAddress));
        }
    }

    /// <inheritdoc />
    public PendingAction ReadModifyWrite<TMerge>(in CallKey key, ref TMerge merge)
        where TMerge : struct, IPendingMerge
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var k = key;
        var exists = ReadCurrent(ref k);
        var current = exists ? _read.Value.Written : [];
        _next.Clear();
        var action = merge.Merge(current, exists, _next);
        switch (action)
        {
            case PendingAction.Write:
                Write(ref k, _next.Written);
                if (exists)
                {
                    _valueBytes += _next.Length - current.Length;
                }
                else
                {
                    _entries++;
                    _valueBytes += _next.Length;
                }

                break;
            case PendingAction.Delete when exists:
                Delete(ref k);
                _entries--;
                _valueBytes -= current.Length;
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
    public bool TryRead(in CallKey key, IBufferWriter<byte> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var k = key;
        if (!ReadCurrent(ref k))
        {
            return false;
        }

        value.Write(_read.Value.Written);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>Iterates the distinct live records of the whole log (FASTER reads what spilled to disk), then deletes the selected keys.</remarks>
    public long RemoveWhere<TFilter>(ref TFilter filter)
        where TFilter : struct, IPendingFilter
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        List<CallKey> removed = [];
        using (var iterator = _session.Iterate())
        {
            while (iterator.GetNext(out _))
            {
                ref var value = ref iterator.GetValue();
                if (filter.ShouldRemove(value.AsReadOnlySpan()))
                {
                    removed.Add(iterator.GetKey());
                    _valueBytes -= value.Length;
                }
            }
        }

        foreach (var key in removed)
        {
            var k = key;
            Delete(ref k);
        }

        _entries -= removed.Count;
        return removed.Count;
    }

    /// <inheritdoc />
    /// <remarks>Iterates the distinct live records of the whole log; FASTER reads what spilled to disk.</remarks>
    public void Visit<TVisitor>(ref TVisitor visitor)
        where TVisitor : struct, IPendingVisitor
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var iterator = _session.Iterate();
        while (iterator.GetNext(out _))
        {
            visitor.Visit(iterator.GetKey(), iterator.GetValue().AsReadOnlySpan());
        }
    }

    /// <summary>
    /// Makes the current state durable under <see cref="PendingStoreOptions.Directory"/> (a FASTER fold-over checkpoint of
    /// the index and the log) and returns its token; <see cref="PendingStoreOptions.RecoverLatest"/> reopens it.
    /// </summary>
    /// <param name="cookie">
    /// Bytes committed in the same checkpoint metadata (e.g. the input positions the state reflects): recovery returns
    /// them with the state they belong to (<see cref="RecoveredCookie"/>), so the two can never disagree.
    /// </param>
    /// <remarks>
    /// Call on the store's thread, between operations: the checkpoint is driven to completion by this session. Log
    /// segments that a <see cref="Compact"/> left behind are deleted only once this checkpoint's metadata is committed.
    /// </remarks>
    public Guid Checkpoint(ReadOnlySpan<byte> cookie = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _store.CommitCookie = cookie.IsEmpty ? null : cookie.ToArray();
        if (!_store.TryInitiateFullCheckpoint(out var token, CheckpointType.FoldOver))
        {
            throw new InvalidOperationException("A FASTER checkpoint is already in progress.");
        }

        var done = _store.CompleteCheckpointAsync().AsTask();
        while (!done.IsCompleted)
        {
            // The only session must move through the checkpoint's phases itself.
            _session.Refresh();
            _session.CompletePending(wait: true);
            Thread.Yield();
        }

        done.GetAwaiter().GetResult();
        return token;
    }

    /// <summary>
    /// Compacts the immutable part of the log: live records there are copied to the tail and the begin address moves
    /// past them. Returns the new begin address.
    /// </summary>
    /// <remarks>
    /// Costs a read of every record in that range; run it when deleted records dominate the disk. The segment files below
    /// the new begin address stay until the next <see cref="Checkpoint"/> is committed, which deletes them: until then the
    /// checkpoint before still has every file it needs, so a crash in between recovers it.
    /// </remarks>
    public long Compact()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var until = _store.Log.SafeReadOnlyAddress;
        if (until <= _store.Log.BeginAddress)
        {
            return _store.Log.BeginAddress;
        }

        return _session.Compact(until, CompactionType.Lookup);
    }

    /// <summary>Waits for in-flight page flushes, then closes the session, the store and the log files.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Flushes already issued write into the device asynchronously; let them land before the files close.
        _store.Log.ShiftReadOnlyAddress(_store.Log.ReadOnlyAddress, wait: true);
        _session.Dispose();
        _store.Dispose();
        _device.Dispose();
    }

    /// <summary>Whether <paramref name="directory"/> holds a checkpoint that <see cref="PendingStoreOptions.RecoverLatest"/> would open.</summary>
    public static bool HasCheckpoint(string directory)
    {
        var checkpoints = Path.Combine(directory, "checkpoints");
        return System.IO.Directory.Exists(checkpoints)
            && System.IO.Directory.EnumerateFiles(checkpoints, "*", SearchOption.AllDirectories).Any();
    }

    /// <summary>After recovery, the entry and byte counts come from the live records themselves.</summary>
    private void CountLiveRecords()
    {
        using var iterator = _session.Iterate();
        while (iterator.GetNext(out _))
        {
            _entries++;
            _valueBytes += iterator.GetValue().Length;
        }
    }

    /// <summary>Copies the current value into <see cref="_read"/>; false when the key has none.</summary>
    private bool ReadCurrent(ref CallKey key)
    {
        SpanByte input = default;
        Empty output = default;
        _read.Value.Clear();
        var status = _session.Read(ref key, ref input, ref output);
        if (status.IsPending)
        {
            _session.CompletePending(wait: true);
            status = _read.CompletedStatus;
        }

        if (status.IsFaulted || status.IsCanceled)
        {
            ThrowFault("Read", status);
        }

        return status.Found;
    }

    private void Write(ref CallKey key, ReadOnlySpan<byte> value)
    {
        if (value.Length > _geometry.MaxValueBytes)
        {
            ThrowValueTooLarge(value.Length);
        }

        // _next lives on the pinned object heap, so the pointer stays valid for the whole call.
        var spanByte = SpanByte.FromFixedSpan(value);
        var status = _session.Upsert(ref key, ref spanByte);
        if (status.IsPending)
        {
            _session.CompletePending(wait: true);
        }
        else if (status.IsFaulted || status.IsCanceled)
        {
            ThrowFault("Upsert", status);
        }
    }

    private void Delete(ref CallKey key)
    {
        var status = _session.Delete(ref key);
        if (status.IsPending)
        {
            _session.CompletePending(wait: true);
        }
        else if (status.IsFaulted || status.IsCanceled)
        {
            ThrowFault("Delete", status);
        }
    }

    private void ThrowValueTooLarge(int length) =>
        throw new InvalidOperationException(
            $"A pending value of {length} bytes exceeds the store's limit of {_geometry.MaxValueBytes} bytes "
            + $"(a record must fit one {_geometry.PageSizeBytes}-byte log page; raise the memory budget for larger pages).");

    private static void ThrowFault(string operation, Status status) =>
        throw new IOException($"FASTER {operation} failed with status {status}.");
}
