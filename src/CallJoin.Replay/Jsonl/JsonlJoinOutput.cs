using CallJoin.ClickHouse.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;

namespace CallJoin.Replay.Jsonl;

/// <summary>
/// The join's output as JSON Lines (<c>calljoin replay --sink jsonl:PATH</c>): one object per calls_complete row or
/// error record, each line as ClickHouse's <c>FORMAT JSONEachRow</c> would print the row the ClickHouse sink writes.
/// </summary>
/// <remarks>
/// <para>
/// A row line has the <c>calls_complete</c> columns in table order with the values <see cref="CallRowEncoder"/> writes
/// (sentinels, <c>created_at</c> = the row's version, <c>expire_at</c> 2100-01-01, <c>source</c> <c>"calljoin"</c>):
/// byte for byte the line <c>SELECT * FROM calls_complete FORMAT JSONEachRow</c> returns for it. An error line has the
/// <c>calljoin_errors</c> columns (it starts with <c>{"reason":</c>, a row line with <c>{"id":</c>), likewise
/// identical to ClickHouse's line but for <c>created_at</c>: the live sink stamps its wall clock there; here it is the
/// error's stream time (<see cref="JoinError.AtMillis"/>), so the same input always gives the same bytes.
/// <c>project_id</c> and <c>call_id</c> are <c>""</c> when unknown, as the sink writes them.
/// </para>
/// <para>
/// Remaining differences from ClickHouse's default output: a string holding bytes that are not valid UTF-8 (a
/// malformed message's payload; a lone surrogate escape in a message, which the join keeps as WTF-8) has each run of
/// such bytes replaced by one U+FFFD, so that every line is valid JSON. That is exactly ClickHouse's output with
/// <c>output_format_json_validate_utf8 = 1</c>; by default ClickHouse copies the bytes raw. Times are printed in UTC,
/// as a ClickHouse server whose time zone is UTC prints them.
/// </para>
/// <para>
/// Like the sink, a row whose text columns exceed <see cref="MaxRowBytes"/> is written as an <c>oversize_row</c>
/// error (payload from <see cref="CallJoin.ClickHouse.Sink.OversizeRowPayload"/>: sizes and the raw halves, naming the
/// end for a complete row or the start for a running one, <c>first_seen</c> and <c>created_at</c> both the row's
/// version) instead of a row.
/// </para>
/// <para>
/// Output is buffered and written to the stream in large chunks; call <see cref="Flush"/> or <see cref="Dispose"/> to
/// push the rest. Single-threaded (the join engine's thread); steady state allocates nothing per row or record.
/// Disposing flushes and, unless <c>leaveOpen</c>, disposes the stream.
/// </para>
/// </remarks>
public sealed class JsonlJoinOutput : IJoinOutput, IDisposable
{
    /// <summary>Buffered bytes at which the buffer is written to the stream.</summary>
    private const int ChunkBytes = 256 * 1024;

    private static readonly int s_defaultMaxRowBytes = new SinkOptions().MaxRowBytes;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly JsonEachRowWriter _line = new(ChunkBytes + (ChunkBytes / 2));
    private readonly byte[] _startTopic;
    private readonly byte[] _endTopic;
    private readonly int _maxRowBytes = s_defaultMaxRowBytes;
    private long _flushed;
    private bool _disposed;

    /// <summary>An output writing to <paramref name="stream"/>.</summary>
    /// <param name="stream">Where the lines go.</param>
    /// <param name="startTopic">The <c>topic</c> of error records about starts (the topic the replayed starts came from).</param>
    /// <param name="endTopic">The <c>topic</c> of error records about ends.</param>
    /// <param name="leaveOpen">Whether <see cref="Dispose"/> leaves the stream open.</param>
    public JsonlJoinOutput(Stream stream, string startTopic, string endTopic, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(startTopic);
        ArgumentNullException.ThrowIfNull(endTopic);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        _stream = stream;
        _leaveOpen = leaveOpen;
        _startTopic = Quoted(startTopic);
        _endTopic = Quoted(endTopic);
    }

    /// <summary>calls_complete rows written.</summary>
    public long Rows { get; private set; }

    /// <summary>Error records written (the join's and <c>oversize_row</c>).</summary>
    public long Errors { get; private set; }

    /// <summary>Bytes of lines written so far, buffered or not: where the next line starts.</summary>
    public long BytesWritten => _flushed + _line.Length;

    /// <summary>Halves released with nothing to write (<see cref="OnReleased"/> calls).</summary>
    public long Released { get; private set; }

    /// <summary>
    /// Above this many bytes of text columns a row becomes an <c>oversize_row</c> error, as in the ClickHouse sink;
    /// defaults to the sink's default <see cref="SinkOptions.MaxRowBytes"/>.
    /// </summary>
    public int MaxRowBytes
    {
        get => _maxRowBytes;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _maxRowBytes = value;
        }
    }

    /// <summary>Writes a calls_complete row line (or an <c>oversize_row</c> error line, see remarks).</summary>
    public void OnRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        ArgumentNullException.ThrowIfNull(row);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var size = row.TextBytes;
        if (size > _maxRowBytes)
        {
            WriteOversize(row, size, createdAtMillis, sources);
            return;
        }

        var w = _line;
        w.WriteRaw("{\"id\":"u8);
        w.WriteString(row.Id);
        w.WriteRaw(",\"project_id\":"u8);
        w.WriteString(row.ProjectId);
        w.WriteRaw(",\"created_at\":"u8);
        w.WriteDateTime64Millis(createdAtMillis);
        w.WriteRaw(",\"trace_id\":"u8);
        w.WriteString(row.TraceId);
        w.WriteRaw(",\"op_name\":"u8);
        w.WriteString(row.OpName);
        w.WriteRaw(",\"started_at\":"u8);
        w.WriteDateTime64Micros(row.StartedAtMicros);
        w.WriteRaw(",\"ended_at\":"u8);
        w.WriteDateTime64Micros(row.EndedAtMicros);
        w.WriteRaw(",\"updated_at\":\"1970-01-01 00:00:00.000\",\"deleted_at\":\"1970-01-01 00:00:00.000\",\"parent_id\":"u8);
        w.WriteString(row.ParentId);
        w.WriteRaw(",\"display_name\":"u8);
        w.WriteString(row.DisplayName);
        w.WriteRaw(",\"exception\":"u8);
        w.WriteString(row.Exception);
        w.WriteRaw(",\"otel_dump\":"u8);
        w.WriteString(row.OtelDump);
        w.WriteRaw(",\"wb_user_id\":"u8);
        w.WriteString(row.WbUserId);
        w.WriteRaw(",\"wb_run_id\":"u8);
        w.WriteString(row.WbRunId);
        w.WriteRaw(",\"thread_id\":"u8);
        w.WriteString(row.ThreadId);
        w.WriteRaw(",\"turn_id\":"u8);
        w.WriteString(row.TurnId);
        w.WriteRaw(",\"inputs_dump\":"u8);
        w.WriteString(row.InputsDump);
        w.WriteRaw(",\"input_refs\":"u8);
        WriteRefs(row.InputRefs);
        w.WriteRaw(",\"output_dump\":"u8);
        w.WriteString(row.OutputDump);
        w.WriteRaw(",\"summary_dump\":"u8);
        w.WriteString(row.SummaryDump);
        w.WriteRaw(",\"output_refs\":"u8);
        WriteRefs(row.OutputRefs);
        w.WriteRaw(",\"attributes_dump\":"u8);
        w.WriteString(row.AttributesDump);
        w.WriteRaw(",\"wb_run_step\":"u8);
        w.WriteUInt64(row.WbRunStep);
        w.WriteRaw(",\"wb_run_step_end\":"u8);
        w.WriteUInt64(row.WbRunStepEnd);
        w.WriteRaw(",\"expire_at\":"u8);
        w.WriteDateTimeSeconds(CallRowEncoder.ExpireAtSeconds);
        w.WriteRaw(",\"source\":\"calljoin\"}\n"u8);
        Rows++;
        EndLine();
    }

    /// <summary>Writes an error record line; its <c>created_at</c> is <see cref="JoinError.AtMillis"/>.</summary>
    public void OnError(in JoinError error)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var w = _line;
        w.WriteRaw("{\"reason\":"u8);
        w.WriteString(error.Reason);
        w.WriteRaw(",\"payload\":"u8);
        w.WriteString(error.Payload);
        WriteErrorTail(error.Side, error.Position, error.ProjectId, error.Id, error.TimestampMillis, error.AtMillis);
    }

    /// <summary>Counts the release; nothing is written.</summary>
    public void OnReleased(CallSide side, SourcePosition position)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Released++;
    }

    /// <summary>Writes every buffered line to the stream and flushes it.</summary>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        WriteBuffered();
        _stream.Flush();
    }

    /// <summary>Flushes and, unless asked to leave it open, disposes the stream.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            WriteBuffered();
            _stream.Flush();
        }
        finally
        {
            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    private void WriteOversize(CallRowData row, long size, long createdAtMillis, in RowSources sources)
    {
        var w = _line;
        var payload = new System.Buffers.ArrayBufferWriter<byte>((int)Math.Min(256L + sources.StartHalf.Length + sources.EndHalf.Length, _maxRowBytes));
        CallJoin.ClickHouse.Sink.OversizeRowPayload.Write(payload, size, _maxRowBytes, sources.StartHalf, sources.EndHalf);
        w.WriteRaw("{\"reason\":\"oversize_row\",\"payload\":"u8);
        w.WriteString(payload.WrittenSpan);
        var (side, position) = sources.ReleasesEnd ? (CallSide.End, sources.End) : (CallSide.Start, sources.Start);
        WriteErrorTail(side, position, row.ProjectId, row.Id, createdAtMillis, createdAtMillis);
    }

    /// <summary>An error line from <c>topic</c> on, after its reason and payload.</summary>
    private void WriteErrorTail(
        CallSide side, SourcePosition position, ReadOnlySpan<byte> projectId, ReadOnlySpan<byte> callId, long firstSeenMillis, long createdAtMillis)
    {
        var w = _line;
        w.WriteRaw(",\"topic\":"u8);
        w.WriteRaw(side == CallSide.End ? _endTopic : _startTopic);
        w.WriteRaw(",\"partition\":"u8);
        w.WriteInt64(position.Partition);
        w.WriteRaw(",\"offset\":"u8);
        w.WriteInt64(position.Offset);
        w.WriteRaw(",\"project_id\":"u8);
        w.WriteString(projectId);
        w.WriteRaw(",\"call_id\":"u8);
        w.WriteString(callId);
        w.WriteRaw(",\"first_seen\":"u8);
        w.WriteDateTime64Millis(firstSeenMillis);
        w.WriteRaw(",\"created_at\":"u8);
        w.WriteDateTime64Millis(createdAtMillis);
        w.WriteRaw("}\n"u8);
        Errors++;
        EndLine();
    }

    private void WriteRefs(CallRefs refs)
    {
        _line.WriteRaw("["u8);
        for (var i = 0; i < refs.Count; i++)
        {
            if (i > 0)
            {
                _line.WriteRaw(","u8);
            }

            _line.WriteString(refs[i]);
        }

        _line.WriteRaw("]"u8);
    }

    private void EndLine()
    {
        if (_line.Length >= ChunkBytes)
        {
            WriteBuffered();
        }
    }

    private void WriteBuffered()
    {
        if (_line.Length > 0)
        {
            _stream.Write(_line.Written);
            _flushed += _line.Length;
            _line.Clear();
        }
    }

    private static byte[] Quoted(string text)
    {
        var writer = new JsonEachRowWriter(256);
        writer.WriteString(text.AsSpan());
        return writer.Written.ToArray();
    }
}
