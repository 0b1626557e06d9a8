using CallJoin.Core.State;
using FASTER.core;

namespace CallJoin.State;

/// <summary>
/// FASTER callbacks for the pending store: reads copy the stored value into the store's <see cref="ReadSlot"/>,
/// writes copy whole values. A struct so the session is specialized for it.
/// </summary>
/// <remarks>
/// The store issues only Read, Upsert and Delete (the caller's merge runs between a Read and the write it decides,
/// never inside a callback, because FASTER may invoke callbacks more than once per operation). The RMW callbacks
/// therefore cancel. Log compaction calls <see cref="SingleWriter"/> to copy live records to the tail.
/// </remarks>
internal readonly struct PendingRecordFunctions(ReadSlot slot) : IFunctions<CallKey, SpanByte, SpanByte, Empty, Empty>
{
    public bool SingleReader(ref CallKey key, ref SpanByte input, ref SpanByte value, ref Empty dst, ref ReadInfo readInfo)
    {
        slot.Value.Set(value.AsReadOnlySpan());
        return true;
    }

    public bool ConcurrentReader(ref CallKey key, ref SpanByte input, ref SpanByte value, ref Empty dst, ref ReadInfo readInfo)
    {
        slot.Value.Set(value.AsReadOnlySpan());
        return true;
    }

    public void ReadCompletionCallback(ref CallKey key, ref SpanByte input, ref Empty output, Empty ctx, Status status, RecordMetadata recordMetadata) =>
        slot.CompletedStatus = status;

    public bool SingleWriter(ref CallKey key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref Empty output, ref UpsertInfo upsertInfo, WriteReason reason)
    {
        src.CopyTo(ref dst);
        return true;
    }

    public void PostSingleWriter(ref CallKey key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref Empty output, ref UpsertInfo upsertInfo, WriteReason reason)
    {
    }

    /// <summary>Overwrites in place only when the length is unchanged; otherwise FASTER appends a new record.</summary>
    public bool ConcurrentWriter(ref CallKey key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref Empty output, ref UpsertInfo upsertInfo)
    {
        if (dst.Length != src.Length)
        {
            return false;
        }

        src.CopyTo(ref dst);
        return true;
    }

    public bool NeedInitialUpdate(ref CallKey key, ref SpanByte input, ref Empty output, ref RMWInfo rmwInfo) => false;

    public bool InitialUpdater(ref CallKey key, ref SpanByte input, ref SpanByte value, ref Empty output, ref RMWInfo rmwInfo) => Cancel(ref rmwInfo);

    public void PostInitialUpdater(ref CallKey key, ref SpanByte input, ref SpanByte value, ref Empty output, ref RMWInfo rmwInfo)
    {
    }

    public bool NeedCopyUpdate(ref CallKey key, ref SpanByte input, ref SpanByte oldValue, ref Empty output, ref RMWInfo rmwInfo) => false;

    public bool CopyUpdater(ref CallKey key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref Empty output, ref RMWInfo rmwInfo) => Cancel(ref rmwInfo);

    public void PostCopyUpdater(ref CallKey key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref Empty output, ref RMWInfo rmwInfo)
    {
    }

    public bool InPlaceUpdater(ref CallKey key, ref SpanByte input, ref SpanByte value, ref Empty output, ref RMWInfo rmwInfo) => Cancel(ref rmwInfo);

    public void RMWCompletionCallback(ref CallKey key, ref SpanByte input, ref Empty output, Empty ctx, Status status, RecordMetadata recordMetadata)
    {
    }

    public bool SingleDeleter(ref CallKey key, ref SpanByte value, ref DeleteInfo deleteInfo) => true;

    public void PostSingleDeleter(ref CallKey key, ref DeleteInfo deleteInfo)
    {
    }

    public bool ConcurrentDeleter(ref CallKey key, ref SpanByte value, ref DeleteInfo deleteInfo) => true;

    public void DisposeSingleWriter(ref CallKey key, ref SpanByte input, ref SpanByte src, ref SpanByte dst, ref Empty output, ref UpsertInfo upsertInfo, WriteReason reason)
    {
    }

    public void DisposeCopyUpdater(ref CallKey key, ref SpanByte input, ref SpanByte oldValue, ref SpanByte newValue, ref Empty output, ref RMWInfo rmwInfo)
    {
    }

    public void DisposeInitialUpdater(ref CallKey key, ref SpanByte input, ref SpanByte value, ref Empty output, ref RMWInfo rmwInfo)
    {
    }

    public void DisposeSingleDeleter(ref CallKey key, ref SpanByte value, ref DeleteInfo deleteInfo)
    {
    }

    public void DisposeDeserializedFromDisk(ref CallKey key, ref SpanByte value)
    {
    }

    public void CheckpointCompletionCallback(int sessionID, string sessionName, CommitPoint commitPoint)
    {
    }

    private static bool Cancel(ref RMWInfo rmwInfo)
    {
        rmwInfo.Action = RMWAction.CancelOperation;
        return false;
    }
}
