using System.Globalization;
using System.IO.Hashing;
using System.Text;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Sink;

/// <summary>The sending half of the sink: tokens, retries with backoff, bisection of refused blocks.</summary>
public sealed partial class ClickHouseSink
{
    private const int MaxErrorMessageChars = 2000;

    /// <summary>Whether a failed insert may succeed if sent again unchanged.</summary>
    public static bool IsPermanent(Exception error, IReadOnlySet<int> permanentCodes)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(permanentCodes);
        return error is ClickHouseServerException server && permanentCodes.Contains(server.ErrorCode);
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
        while (await _sealed.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
        {
            while (_sealed.Reader.TryRead(out var batch))
            {
                await DeliverAsync(batch, ct).ConfigureAwait(false);
                Acknowledge(batch);
            }
        }
    }

    private async Task DeliverAsync(SinkBatch batch, CancellationToken ct)
    {
        var token = BatchToken(
            _options.DeduplicationTokenPrefix, batch.Sequence,
            batch.Calls.Rows(0, batch.Calls.Count).Span, batch.Errors.Rows(0, batch.Errors.Count).Span);
        if (!batch.Calls.IsEmpty)
        {
            await InsertIsolatingAsync(batch, batch.Calls, 0, batch.Calls.Count, token + "-c", isCalls: true, ct).ConfigureAwait(false);
        }

        if (!batch.Errors.IsEmpty)
        {
            await InsertIsolatingAsync(batch, batch.Errors, 0, batch.Errors.Count, token + "-e", isCalls: false, ct).ConfigureAwait(false);
        }

        if (!batch.Rejected.IsEmpty)
        {
            await InsertIsolatingAsync(batch, batch.Rejected, 0, batch.Rejected.Count, token + "-r", isCalls: false, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Inserts rows [<paramref name="from"/>, <paramref name="to"/>); if ClickHouse refuses them for good, inserts each
    /// half under a token derived from this one (so a retried half is deduplicated too), down to single rows.
    /// </summary>
    private async Task InsertIsolatingAsync(SinkBatch batch, RowBlock block, int from, int to, string token, bool isCalls, CancellationToken ct)
    {
        var table = isCalls ? _options.CallsTable : _options.ErrorsTable;
        var columns = isCalls ? CallRowEncoder.ColumnNames : ErrorRecordEncoder.ColumnNames;
        var refusal = await InsertWithRetryAsync(table, columns, block.Rows(from, to), token, ct).ConfigureAwait(false);
        if (refusal is null)
        {
            return;
        }

        if (to - from > 1)
        {
            var middle = from + ((to - from) / 2);
            await InsertIsolatingAsync(batch, block, from, middle, token + "L", isCalls, ct).ConfigureAwait(false);
            await InsertIsolatingAsync(batch, block, middle, to, token + "R", isCalls, ct).ConfigureAwait(false);
            return;
        }

        if (!isCalls)
        {
            // A refused error record has nowhere else to go: it is dropped and counted.
            Interlocked.Increment(ref _droppedErrorRecords);
            return;
        }

        AddRejected(batch, block, from, refusal, _time.GetUtcNow().ToUnixTimeMilliseconds());
        Interlocked.Increment(ref _rejectedRows);
    }

    /// <summary>One insert, retried while failures are transient; returns the permanent refusal, or null once durable.</summary>
    private async Task<ClickHouseServerException?> InsertWithRetryAsync(
        string table, IReadOnlyList<string> columns, ReadOnlyMemory<byte> rows, string token, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _transport.InsertAsync(table, columns, rows, token, ct).ConfigureAwait(false);
                return null;
            }
            catch (Exception error) when (!ct.IsCancellationRequested)
            {
                if (IsPermanent(error, _options.PermanentErrorCodes))
                {
                    return (ClickHouseServerException)error;
                }

                Volatile.Write(ref _lastTransientError, error);
                Interlocked.Increment(ref _retries);
            }

            await Task.Delay(Backoff(attempt), _time, ct).ConfigureAwait(false);
        }
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
        rejected.EndRow(start, origin);
    }
}
