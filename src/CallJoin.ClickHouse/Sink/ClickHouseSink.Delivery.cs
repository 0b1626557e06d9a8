using System.Globalization;
using System.IO.Hashing;
using System.Text;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Sink;

/// <summary>The sending half of the sink: tokens, grouping by month, retries with backoff, bisection of refused blocks.</summary>
public sealed partial class ClickHouseSink
{
    private const int MaxErrorMessageChars = 2000;

    /// <summary>
    /// What to do about a failed insert. Transient: network and I/O errors, timeouts (a cancellation the sink did not
    /// ask for is the HTTP client's timeout), an HTTP error whose body is not ClickHouse's (a proxy or load balancer)
    /// except a 413 (body too large), and <see cref="SinkOptions.TransientErrorCodes"/>. Fatal: <see cref="SinkOptions.FatalErrorCodes"/> and every
    /// exception that is neither ClickHouse's nor the network's (a bug). Refused: every other ClickHouse error,
    /// "too many partitions for single INSERT block" and a proxy's 413 (a smaller block fits).
    /// </summary>
    public static InsertFailureKind Classify(Exception error, SinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(options);
        return error switch
        {
            ClickHouseServerException server when !SinkFailure.IsFromClickHouse(server) =>
                SinkFailure.IsPayloadTooLarge(server) ? InsertFailureKind.Refused : InsertFailureKind.Transient,
            ClickHouseServerException server when SinkFailure.IsTooManyPartitions(server) => InsertFailureKind.Refused,
            ClickHouseServerException server when options.TransientErrorCodes.Contains(server.ErrorCode) => InsertFailureKind.Transient,
            ClickHouseServerException server when options.FatalErrorCodes.Contains(server.ErrorCode) => InsertFailureKind.Fatal,
            ClickHouseServerException => InsertFailureKind.Refused,
            HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException => InsertFailureKind.Transient,
            _ => InsertFailureKind.Fatal,
        };
    }

    /// <summary>The <c>insert_deduplication_token</c> of a batch: its sequence and a hash of its content.</summary>
    internal static string BatchToken(string prefix, long sequence, ReadOnlySpan<byte> calls, ReadOnlySpan<byte> errors)
    {
        var hash = new XxHash128();
        hash.Append(calls);
        hash.Append(errors);
        var value = hash.GetCurrentHashAsUInt128();
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}-{sequence}-{value:x32}");
    }

    private async Task SendLoopAsync()
    {
        var ct = _stopping.Token;
        try
        {
            while (await _sealed.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (_sealed.Reader.TryRead(out var batch))
                {
                    await DeliverAsync(batch, ct).ConfigureAwait(false);
                    Acknowledge(batch);
                }
            }
        }
        catch (Exception) when (Volatile.Read(ref _fault) is not null)
        {
            // Faulted (here or in another sender, which cancelled this one): Completion carries the error.
        }
    }

    private async Task DeliverAsync(SinkBatch batch, CancellationToken ct)
    {
        var token = BatchToken(
            _options.DeduplicationTokenPrefix, batch.Sequence,
            batch.Calls.Rows(0, batch.Calls.Count).Span, batch.Errors.Rows(0, batch.Errors.Count).Span);
        if (!batch.Calls.IsEmpty)
        {
            await InsertByMonthAsync(batch, batch.Calls, token + "-c", isCalls: true, ct).ConfigureAwait(false);
        }

        if (!batch.Errors.IsEmpty)
        {
            await InsertByMonthAsync(batch, batch.Errors, token + "-e", isCalls: false, ct).ConfigureAwait(false);
        }

        if (!batch.Rejected.IsEmpty)
        {
            await InsertByMonthAsync(batch, batch.Rejected, token + "-r", isCalls: false, ct).ConfigureAwait(false);
            SinkLog.RowsRefused(_log, batch.Rejected.Count, batch.Sequence, SinkFailure.Describe(batch.FirstRefusal!));
        }

        if (batch.DroppedErrorRecords > 0)
        {
            SinkLog.ErrorRecordsDropped(_log, batch.DroppedErrorRecords, batch.Sequence, SinkFailure.Describe(batch.FirstRefusal!));
        }
    }

    /// <summary>
    /// Inserts a block whose rows span at most <see cref="SinkOptions.MaxPartitionsPerInsert"/> months as it is (the
    /// usual case: no copy). Otherwise copies its rows, ordered by month, into inserts of at most that many months each,
    /// every one under a token derived from <paramref name="token"/> and its place in that order: the same block always
    /// gives the same inserts and tokens, so a retried one is deduplicated.
    /// </summary>
    private async Task InsertByMonthAsync(SinkBatch batch, RowBlock block, string token, bool isCalls, CancellationToken ct)
    {
        var maxMonths = _options.MaxPartitionsPerInsert;
        if (block.MonthSpan <= maxMonths)
        {
            await InsertIsolatingAsync(batch, block, 0, block.Count, token, isCalls, ct).ConfigureAwait(false);
            return;
        }

        // Month in the high half, row index in the low half: sorted, rows of a month keep their order.
        var order = new long[block.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = ((long)block.Month(i) << 32) | (uint)i;
        }

        Array.Sort(order);
        var group = batch.Regrouped;
        var groupNumber = 0;
        var months = 0;
        for (var i = 0; i < order.Length; i++)
        {
            var month = (int)(order[i] >> 32);
            var newMonth = i == 0 || month != (int)(order[i - 1] >> 32);
            if (newMonth && months == maxMonths)
            {
                await InsertGroupAsync(groupNumber++).ConfigureAwait(false);
                months = 0;
            }

            months += newMonth ? 1 : 0;
            group.CopyRow(block, (int)(order[i] & 0xFFFF_FFFF));
        }

        await InsertGroupAsync(groupNumber).ConfigureAwait(false);

        async Task InsertGroupAsync(int number)
        {
            var groupToken = string.Create(CultureInfo.InvariantCulture, $"{token}-m{number}");
            await InsertIsolatingAsync(batch, group, 0, group.Count, groupToken, isCalls, ct).ConfigureAwait(false);
            group.Clear();
        }
    }

    /// <summary>
    /// Inserts rows [<paramref name="from"/>, <paramref name="to"/>); if ClickHouse refuses them, inserts each half under
    /// a token derived from this one (so a retried half is deduplicated too), down to single rows.
    /// </summary>
    private async Task InsertIsolatingAsync(SinkBatch batch, RowBlock block, int from, int to, string token, bool isCalls, CancellationToken ct)
    {
        var table = isCalls ? _callsTable : _errorsTable;
        var columns = isCalls ? CallRowEncoder.ColumnNames : ErrorRecordEncoder.ColumnNames;
        var refusal = await InsertWithRetryAsync(table, columns, block.Rows(from, to), token, ct).ConfigureAwait(false);
        if (refusal is null)
        {
            return;
        }

        batch.FirstRefusal ??= refusal;
        if (to - from > 1)
        {
            var middle = from + ((to - from) / 2);
            await InsertIsolatingAsync(batch, block, from, middle, token + "L", isCalls, ct).ConfigureAwait(false);
            await InsertIsolatingAsync(batch, block, middle, to, token + "R", isCalls, ct).ConfigureAwait(false);
            return;
        }

        if (!isCalls)
        {
            // A refused error record has nowhere else to go: it is dropped, counted and logged (per batch).
            Interlocked.Increment(ref _droppedErrorRecords);
            batch.DroppedErrorRecords++;
            return;
        }

        AddRejected(batch, block, from, refusal, _time.GetUtcNow().ToUnixTimeMilliseconds());
        Interlocked.Increment(ref _rejectedRows);
    }

    /// <summary>
    /// One insert, retried while failures are transient; returns ClickHouse's refusal, or null once durable. A fatal
    /// failure faults the sink and throws.
    /// </summary>
    private async Task<ClickHouseServerException?> InsertWithRetryAsync(
        string table, IReadOnlyList<string> columns, ReadOnlyMemory<byte> rows, string token, CancellationToken ct)
    {
        var failures = 0;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                TimeSpan delay;
                try
                {
                    await _transport.InsertAsync(table, columns, rows, token, ct).ConfigureAwait(false);
                    if (failures > 0)
                    {
                        SinkLog.InsertRecovered(_log, table, failures);
                    }

                    return null;
                }
                catch (Exception error) when (!ct.IsCancellationRequested)
                {
                    switch (Classify(error, _options))
                    {
                        case InsertFailureKind.Refused:
                            return (ClickHouseServerException)error;
                        case InsertFailureKind.Fatal:
                            Fault(error, table);
                            throw;
                    }

                    if (failures++ == 0)
                    {
                        Interlocked.Increment(ref _insertsRetrying);
                    }

                    Volatile.Write(ref _lastTransientError, error);
                    var retries = Interlocked.Increment(ref _retries);
                    delay = Backoff(attempt - 1);
                    if (ShouldLogFailure())
                    {
                        SinkLog.InsertFailing(_log, table, attempt, retries, delay, SinkFailure.Describe(error));
                    }
                }

                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            if (failures > 0 && Interlocked.Decrement(ref _insertsRetrying) == 0)
            {
                // The outage is over: the next one's first failure is logged at once.
                Interlocked.Exchange(ref _nextFailureLogAt, long.MinValue);
            }
        }
    }

    /// <summary>True for the first transient failure, then at most once per <see cref="SinkOptions.FailureLogInterval"/>.</summary>
    private bool ShouldLogFailure()
    {
        var now = _time.GetTimestamp();
        var due = Interlocked.Read(ref _nextFailureLogAt);
        var next = now + (long)(_options.FailureLogInterval.TotalSeconds * _time.TimestampFrequency);
        return now >= due && Interlocked.CompareExchange(ref _nextFailureLogAt, next, due) == due;
    }

    /// <summary>Exponential backoff with "equal jitter": half the nominal delay, plus up to as much again at random.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var nominal = _options.RetryBaseDelay.Ticks * Math.Pow(2, Math.Min(attempt, 30));
        var capped = Math.Min(nominal, _options.RetryMaxDelay.Ticks);
        double random;
        lock (_jitterLock)
        {
            random = _jitter.NextDouble();
        }

        return TimeSpan.FromTicks((long)((capped / 2) + (random * capped / 2)));
    }

    /// <summary>The error record for a refused row: its key, origin, the server's message and the row itself (base64 RowBinary).</summary>
    private void AddRejected(SinkBatch batch, RowBlock block, int row, ClickHouseServerException refusal, long nowMillis)
    {
        var encoded = block.Rows(row, row + 1);
        var (id, projectId) = CallRowEncoder.ReadKey(encoded);
        var origin = block.Origin(row);
        var message = refusal.Message.Length > MaxErrorMessageChars ? refusal.Message[..MaxErrorMessageChars] : refusal.Message;
        var payload = new StringBuilder(encoded.Length * 4 / 3 + message.Length + 64)
            .Append("{\"error\":")
            .Append(System.Text.Json.JsonSerializer.Serialize(message))
            .Append(",\"row_binary_base64\":\"")
            .Append(Convert.ToBase64String(encoded.Span))
            .Append("\"}")
            .ToString();
        var reason = string.Create(CultureInfo.InvariantCulture, $"rejected_by_clickhouse:{refusal.ErrorCode}");
        var rejected = batch.Rejected;
        var start = rejected.Written;
        ErrorRecordEncoder.Write(
            rejected, reason, Encoding.UTF8.GetBytes(payload), _options.Topic(origin.Side), origin.Position,
            projectId.Span, id.Span, origin.Millis, nowMillis);
        rejected.EndRow(start, origin, PartitionMonth.FromUnixMillis(origin.Millis));
    }
}
