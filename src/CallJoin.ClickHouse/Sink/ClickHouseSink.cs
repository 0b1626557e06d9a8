using System.Collections.Concurrent;
using System.Threading.Channels;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using ClickHouse.Driver;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallJoin.ClickHouse.Sink;

/// <summary>
/// Writes joined rows to calls_complete and error records to calljoin_errors in batches sealed by rows, bytes or time,
/// each sent as one RowBinary INSERT with its own <c>insert_deduplication_token</c>, retried until durable, and
/// acknowledged in order through <see cref="Acks"/> so the ingest commits offsets only behind durable rows.
/// </summary>
/// <remarks>
/// <para>
/// Producer side (<see cref="AddRow"/>, <see cref="AddError"/>, <see cref="AddMark"/>, <see cref="WaitForCapacityAsync"/>,
/// <see cref="FlushAsync"/>): one thread at a time (the join engine's). Rows are encoded straight into a pooled buffer.
/// </para>
/// <para>
/// Sending: <see cref="SinkOptions.MaxParallelInserts"/> senders; a block spanning more months than
/// <see cref="SinkOptions.MaxPartitionsPerInsert"/> is sent as several inserts grouped by month. Failures fall in three
/// classes (<see cref="Classify"/>). A transient one (network, timeout, <see cref="SinkOptions.TransientErrorCodes"/>)
/// is retried forever with exponential backoff and jitter, with the same bytes and token, so an insert that did land
/// before its failure was reported is dropped by ClickHouse's deduplication; it is logged (rate-limited), counted and
/// shown by <see cref="IsFailing"/>. Any other ClickHouse error is a refusal of these rows: the block is bisected and a
/// single row still refused goes to the error table as <c>rejected_by_clickhouse:&lt;code&gt;</c>. Anything else (a
/// bug, or <see cref="SinkOptions.FatalErrorCodes"/>) is not retried: the sink stops and <see cref="Completion"/>
/// faults.
/// </para>
/// <para>
/// Memory: unacknowledged batches are counted; above <see cref="SinkOptions.MaxBufferedBytes"/>,
/// <see cref="WaitForCapacityAsync"/> waits until acks free space (while ClickHouse is down, until it is back).
/// </para>
/// </remarks>
public sealed partial class ClickHouseSink : IAsyncDisposable
{
    private const int PooledBatches = 4;

    private readonly IInsertTransport _transport;
    private readonly SinkOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _jitter;
    private readonly Lock _jitterLock = new();
    private readonly Lock _producerLock = new();
    private readonly Lock _ackLock = new();
    private readonly Channel<SinkBatch> _sealed = Channel.CreateUnbounded<SinkBatch>();
    private readonly Channel<SinkAck> _acks = Channel.CreateUnbounded<SinkAck>();
    private readonly ConcurrentQueue<SinkBatch> _pool = new();
    private readonly Dictionary<long, SinkBatch> _done = [];
    private readonly List<(long Sequence, TaskCompletionSource Done)> _flushWaiters = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _log;
    private readonly ITimer _timer;
    private readonly Task[] _senders;
    private readonly string _callsTable;
    private readonly string _errorsTable;
    private SinkBatch _current;
    private long _nextSequence;
    private long _nextAck;
    private long _bufferedBytes;
    private long _retries;
    private long _rejectedRows;
    private long _oversizeRows;
    private long _insertedRows;
    private long _droppedErrorRecords;
    private TaskCompletionSource? _capacity;
    private Exception? _lastTransientError;
    private SinkFaultedException? _fault;
    private int _insertsRetrying;
    private long _nextFailureLogAt = long.MinValue;
    private bool _completed;

    /// <summary>
    /// A sink over ClickHouse.Driver (see <see cref="DriverInsertTransport"/>), or over no transport at all when
    /// <see cref="SinkOptions.Discard"/> is set (see <see cref="DiscardingInsertTransport"/>).
    /// </summary>
    public ClickHouseSink(ClickHouseClient client, SinkOptions options, TimeProvider? time = null, Random? jitter = null, ILogger? log = null)
        : this((options ?? throw new ArgumentNullException(nameof(options))).Discard
            ? DiscardingInsertTransport.Instance
            : new DriverInsertTransport(client, options.Gzip), options, time, jitter, log)
    {
    }

    /// <summary>A sink over any transport; <paramref name="jitter"/> seeds the retry jitter (tests pass a seeded one).</summary>
    public ClickHouseSink(IInsertTransport transport, SinkOptions options, TimeProvider? time = null, Random? jitter = null, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _transport = transport;
        _options = options;
        _time = time ?? TimeProvider.System;
        _jitter = jitter ?? new Random();
        _log = log ?? NullLogger.Instance;
        _callsTable = ClickHouseIdentifier.Qualified(options.Database, options.CallsTable);
        _errorsTable = ClickHouseIdentifier.Qualified(options.Database, options.ErrorsTable);
        _current = new SinkBatch(options.MaxBatchBytes);
        _senders = new Task[options.MaxParallelInserts];
        for (var i = 0; i < _senders.Length; i++)
        {
            _senders[i] = Task.Run(SendLoopAsync);
        }

        _timer = _time.CreateTimer(static s => ((ClickHouseSink)s!).OnTick(), this, options.MaxBatchDelay, options.MaxBatchDelay);
    }

    /// <summary>
    /// Acknowledgements, one per batch, in batch order. Completed when the sink is completed, disposed or faulted (then
    /// <see cref="Completion"/> says why).
    /// </summary>
    public ChannelReader<SinkAck> Acks => _acks.Reader;

    /// <summary>Bytes of RowBinary accepted and not yet acknowledged.</summary>
    public long BufferedBytes => Volatile.Read(ref _bufferedBytes);

    /// <summary>How many inserts failed transiently and were retried.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>How many rows ClickHouse refused for good (written to the error table instead).</summary>
    public long RejectedRows => Interlocked.Read(ref _rejectedRows);

    /// <summary>Rows above <see cref="SinkOptions.MaxRowBytes"/>, written to the error table as <c>oversize_row</c>.</summary>
    public long RowsOverInsertLimit => Interlocked.Read(ref _oversizeRows);

    /// <summary>Error records ClickHouse refused for good (dropped: there is no table behind the error table).</summary>
    public long DroppedErrorRecords => Interlocked.Read(ref _droppedErrorRecords);

    /// <summary>calls_complete rows durable so far.</summary>
    public long InsertedRows => Interlocked.Read(ref _insertedRows);

    /// <summary>The last transient failure seen (for health reporting); null while none.</summary>
    public Exception? LastTransientError => Volatile.Read(ref _lastTransientError);

    /// <summary>Whether an insert is failing transiently right now (retrying): ClickHouse is down or overloaded.</summary>
    public bool IsFailing => Volatile.Read(ref _insertsRetrying) > 0;

    /// <summary>
    /// Completes when the sink has completed or been disposed; faults with a <see cref="SinkFaultedException"/> when it
    /// stopped on a failure it must not retry (a bug, or a configuration ClickHouse refuses whatever the rows).
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>Appends a calls_complete row to the open batch (encoded now: the row may be reused on return).</summary>
    /// <param name="row">The row.</param>
    /// <param name="createdAtMillis">Its ReplacingMergeTree version.</param>
    /// <param name="sources">Its halves: the error table names the end it releases (a complete row) or else the start if it is refused.</param>
    public void AddRow(CallRowData row, long createdAtMillis, in RowSources sources)
    {
        ArgumentNullException.ThrowIfNull(row);
        var origin = sources.ReleasesEnd
            ? new RowOrigin(CallSide.End, sources.End, createdAtMillis)
            : new RowOrigin(CallSide.Start, sources.Start, createdAtMillis);
        var size = row.TextBytes;
        if (size > _options.MaxRowBytes)
        {
            AddRowOverInsertLimit(row, size, origin, sources.StartHalf, sources.EndHalf);
            return;
        }

        lock (_producerLock)
        {
            ThrowIfCompleted();
            var block = _current.Calls;
            var start = block.Written;
            CallRowEncoder.Write(block, row, createdAtMillis, _options.Source);
            block.EndRow(start, origin, PartitionMonth.FromUnixMicros(row.StartedAtMicros));
            Accept(block.Written - start);
        }
    }

    /// <summary>
    /// A row too large to insert becomes an <c>oversize_row</c> error record naming the call, with its size and the raw
    /// halves it was built from (see <see cref="OversizeRowPayload"/>). Rare: the payload is built in a fresh buffer.
    /// </summary>
    private void AddRowOverInsertLimit(CallRowData row, long size, RowOrigin origin, ReadOnlySpan<byte> startHalf, ReadOnlySpan<byte> endHalf)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var payload = new System.Buffers.ArrayBufferWriter<byte>((int)Math.Min(256L + startHalf.Length + endHalf.Length, _options.MaxRowBytes));
        OversizeRowPayload.Write(payload, size, _options.MaxRowBytes, startHalf, endHalf);
        lock (_producerLock)
        {
            ThrowIfCompleted();
            Interlocked.Increment(ref _oversizeRows);
            var block = _current.Errors;
            var start = block.Written;
            ErrorRecordEncoder.Write(block, "oversize_row", payload.WrittenSpan, _options.Topic(origin.Side), origin.Position, row.ProjectId, row.Id, origin.Millis, now);
            block.EndRow(start, origin, PartitionMonth.FromUnixMillis(origin.Millis));
            Accept(block.Written - start);
        }
    }

    /// <summary>Appends an error record to the open batch; its <c>created_at</c> is now (the sink's clock).</summary>
    public void AddError(in JoinError error)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_producerLock)
        {
            ThrowIfCompleted();
            var block = _current.Errors;
            var start = block.Written;
            ErrorRecordEncoder.Write(block, error, _options.Topic(error.Side), now);
            block.EndRow(start, new RowOrigin(error.Side, error.Position, error.AtMillis), PartitionMonth.FromUnixMillis(error.TimestampMillis));
            Accept(block.Written - start);
        }
    }

    /// <summary>
    /// Attaches <paramref name="mark"/> to the open batch: it comes back in that batch's <see cref="SinkAck"/>, once
    /// everything added before this call is durable.
    /// </summary>
    public void AddMark(IDurabilityMark mark)
    {
        ArgumentNullException.ThrowIfNull(mark);
        lock (_producerLock)
        {
            ThrowIfCompleted();
            _current.Marks.Add(mark);
        }
    }

    /// <summary>
    /// Completes at once while fewer than <see cref="SinkOptions.MaxBufferedBytes"/> are unacknowledged; otherwise
    /// sends the open batch and waits until acks bring the total back under the limit.
    /// </summary>
    public ValueTask WaitForCapacityAsync(CancellationToken ct = default) =>
        BufferedBytes <= _options.MaxBufferedBytes ? ValueTask.CompletedTask : WaitForCapacitySlowAsync(ct);

    /// <summary>
    /// Seals the open batch without waiting for it: what was added so far goes out as its own batch(es), so a caller
    /// that needs batches cut at its own boundaries (the backfill, for repeatable insert tokens) can keep producing.
    /// </summary>
    public void Seal()
    {
        lock (_producerLock)
        {
            ThrowIfCompleted();
            SealOpenBatch();
        }
    }

    /// <summary>Seals the open batch and waits until it and every earlier batch are acknowledged.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        long target;
        lock (_producerLock)
        {
            SealOpenBatch();
            target = _nextSequence;
        }

        Task wait;
        lock (_ackLock)
        {
            if (_nextAck >= target)
            {
                return;
            }

            ThrowIfFaulted();

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add((target, done));
            wait = done.Task;
        }

        await wait.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Sends what is buffered, waits for every ack, then completes <see cref="Acks"/>. No more adds after this.</summary>
    public async Task CompleteAsync(CancellationToken ct = default)
    {
        lock (_producerLock)
        {
            if (!_completed)
            {
                SealOpenBatch();
                _completed = true;
                _sealed.Writer.TryComplete();
            }
        }

        await Task.WhenAll(_senders).WaitAsync(ct).ConfigureAwait(false);
        _acks.Writer.TryComplete();
        ThrowIfFaulted();
        _completion.TrySetResult();
    }

    /// <summary>Stops at once: unsent and unacknowledged batches are dropped (never acknowledged, so replayed upstream).</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_producerLock)
        {
            _completed = true;
            _sealed.Writer.TryComplete();
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_senders).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping: in-flight batches stay unacknowledged.
        }

        _acks.Writer.TryComplete();
        _completion.TrySetResult();
        _current.Release();
        while (_pool.TryDequeue(out var pooled))
        {
            pooled.Release();
        }

        _stopping.Dispose();
    }

    private void Accept(int bytes)
    {
        _current.AccountedBytes += bytes;
        Interlocked.Add(ref _bufferedBytes, bytes);
        if (_current.RowCount >= _options.MaxBatchRows || _current.Bytes >= _options.MaxBatchBytes)
        {
            SealOpenBatch();
        }
    }

    /// <summary>Hands the open batch to the senders (under the producer lock).</summary>
    private void SealOpenBatch()
    {
        if (_current.IsEmpty || _completed)
        {
            return;
        }

        var batch = _current;
        batch.Sequence = _nextSequence++;
        batch.SealedAt = _time.GetTimestamp();
        _current = _pool.TryDequeue(out var pooled) ? pooled : new SinkBatch(_options.MaxBatchBytes);
        _sealed.Writer.TryWrite(batch);
    }

    private void OnTick()
    {
        lock (_producerLock)
        {
            SealOpenBatch();
        }
    }

    private async ValueTask WaitForCapacitySlowAsync(CancellationToken ct)
    {
        lock (_producerLock)
        {
            SealOpenBatch();
        }

        while (true)
        {
            Task wait;
            lock (_ackLock)
            {
                if (BufferedBytes <= _options.MaxBufferedBytes)
                {
                    return;
                }

                ThrowIfFaulted();

                _capacity ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _capacity.Task;
            }

            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Records a delivered batch and acknowledges every batch now complete in sequence order.</summary>
    private void Acknowledge(SinkBatch delivered)
    {
        lock (_ackLock)
        {
            _done.Add(delivered.Sequence, delivered);
            while (_done.Remove(_nextAck, out var batch))
            {
                _nextAck++;
                var rejected = batch.Rejected.Count;
                _acks.Writer.TryWrite(new SinkAck(
                    batch.Sequence, batch.Calls.Count - rejected, batch.Errors.Count + rejected, rejected,
                    batch.Marks.Count == 0 ? [] : [.. batch.Marks], _time.GetElapsedTime(batch.SealedAt)));
                Interlocked.Add(ref _insertedRows, batch.Calls.Count - rejected);
                Interlocked.Add(ref _bufferedBytes, -batch.AccountedBytes);
                Recycle(batch);
            }

            if (_capacity is { } capacity && BufferedBytes <= _options.MaxBufferedBytes)
            {
                _capacity = null;
                capacity.TrySetResult();
            }

            for (var i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (_flushWaiters[i].Sequence <= _nextAck)
                {
                    _flushWaiters[i].Done.TrySetResult();
                    _flushWaiters.RemoveAt(i);
                }
            }
        }
    }

    /// <summary>
    /// Stops the sink on a failure it must not retry: the senders stop, nothing more is acknowledged, and every waiting
    /// or later call (and <see cref="Completion"/>) fails with a <see cref="SinkFaultedException"/>.
    /// </summary>
    private void Fault(Exception error, string table)
    {
        var fault = new SinkFaultedException(
            $"The ClickHouse sink stopped: {SinkFailure.Describe(error)} inserting into {table}, which retrying cannot fix.", error);
        lock (_ackLock)
        {
            if (_fault is not null)
            {
                return;
            }

            _fault = fault;
            _capacity?.TrySetException(fault);
            _capacity = null;
            foreach (var (_, done) in _flushWaiters)
            {
                done.TrySetException(fault);
            }

            _flushWaiters.Clear();
        }

        SinkLog.Faulted(_log, table, error);
        _acks.Writer.TryComplete();
        _completion.TrySetException(fault);
        _stopping.Cancel();
    }

    private void ThrowIfFaulted()
    {
        if (Volatile.Read(ref _fault) is { } fault)
        {
            throw new SinkFaultedException(fault.Message, fault.InnerException);
        }
    }

    private void Recycle(SinkBatch batch)
    {
        if (_pool.Count < PooledBatches)
        {
            batch.Clear();
            _pool.Enqueue(batch);
        }
        else
        {
            batch.Release();
        }
    }

    private void ThrowIfCompleted()
    {
        ThrowIfFaulted();
        if (_completed)
        {
            throw new InvalidOperationException("The sink is completed or disposed.");
        }
    }
}
