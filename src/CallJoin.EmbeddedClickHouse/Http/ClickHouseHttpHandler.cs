using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using CallJoin.EmbeddedClickHouse.Engine;
using Microsoft.AspNetCore.Http;

namespace CallJoin.EmbeddedClickHouse.Http;

/// <summary>Serves ClickHouse's HTTP interface (<c>/</c> and <c>/ping</c>) from the embedded engine.</summary>
/// <remarks>
/// Each request runs on a fresh engine connection, so its settings and <c>USE</c> die with it. INSERT bodies stream to
/// the engine in chunks (bounded memory for any batch size); results are materialized by the engine, then written.
/// </remarks>
internal sealed class ClickHouseHttpHandler(ChdbEngine engine, ClickHouseAccess access, int maxConcurrentQueries) : IDisposable
{
    private const int ChunkBytes = 1 << 20;
    private readonly SemaphoreSlim _slots = new(maxConcurrentQueries, maxConcurrentQueries);

    public async Task HandleAsync(HttpContext context)
    {
        if (!access.AllowsHost(context.Request.Host))
        {
            await WriteErrorAsync(context, "", ClickHouseError.Create(497, "ACCESS_DENIED", "The Host header does not name this server")).ConfigureAwait(false);
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        if (path is "/ping" or "/ping/")
        {
            await context.Response.WriteAsync("Ok.\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (path is not ("/" or ""))
        {
            await WriteErrorAsync(context, "", ClickHouseError.Create(1, "UNSUPPORTED_METHOD", $"There is no handler for {path}")).ConfigureAwait(false);
            return;
        }

        var request = ClickHouseRequest.From(context.Request);
        if (access.Authenticate(context.Request) is { } refused)
        {
            await WriteErrorAsync(context, request.QueryId, refused).ConfigureAwait(false);
            return;
        }

        if (request.Unsupported is { } option)
        {
            await WriteErrorAsync(context, request.QueryId, ClickHouseError.Create(1, "UNSUPPORTED_METHOD",
                $"The embedded endpoint does not implement {option} (ClickHouse's native block compression); use Content-Encoding")).ConfigureAwait(false);
            return;
        }

        var body = RequestBodyDecoder.Decode(context.Request.Body, context.Request.Headers.ContentEncoding.FirstOrDefault());
        if (body is null)
        {
            await WriteErrorAsync(context, request.QueryId, ClickHouseError.Create(1, "UNSUPPORTED_METHOD",
                $"Unknown Content-Encoding '{context.Request.Headers.ContentEncoding}'")).ConfigureAwait(false);
            return;
        }

        await _slots.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            using var connection = engine.Open();
            byte[] statement;
            if (Prepare(connection, request) is { } prepareError)
            {
                await WriteErrorAsync(context, request.QueryId, prepareError).ConfigureAwait(false);
                return;
            }

            // INSERT … FORMAT X streams its data: named in the query parameter, or as the body's first line.
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                var filled = 0;
                var dataStart = 0;
                string? insert = null, format = null;
                if (request.Query is { } query)
                {
                    if (ClickHouseRequest.TrySplitInsert(query, out var i, out var f))
                    {
                        (insert, format) = (i, f);
                    }
                }
                else
                {
                    filled = await FillAsync(body, chunk, 0, untilNewline: true, context.RequestAborted).ConfigureAwait(false);
                    var newline = chunk.AsSpan(0, filled).IndexOf((byte)'\n');
                    if (newline >= 0 && ClickHouseRequest.TrySplitInsert(Encoding.UTF8.GetString(chunk, 0, newline), out var i, out var f))
                    {
                        (insert, format, dataStart) = (i, f, newline + 1);
                    }
                }

                if (insert is not null)
                {
                    await InsertAsync(context, request, connection, body, insert, format!, chunk, dataStart, filled).ConfigureAwait(false);
                    return;
                }

                statement = await StatementAsync(request.Query, chunk.AsMemory(0, filled), body, context.RequestAborted).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            if (statement.Length == 0)
            {
                await WriteErrorAsync(context, request.QueryId, ClickHouseError.Create(62, "SYNTAX_ERROR", "Empty query")).ConfigureAwait(false);
                return;
            }

            var outputFormat = request.OutputFormat(Encoding.UTF8.GetString(statement.AsSpan(0, Math.Min(statement.Length, 4096))));
            using var result = connection.Query(statement, Encoding.UTF8.GetBytes(request.Format), new QueryParameters(request.Parameters));
            if (result.Error is { } error)
            {
                await WriteErrorAsync(context, request.QueryId, ClickHouseError.FromEngine(error)).ConfigureAwait(false);
                return;
            }

            await WriteResultAsync(context, request, outputFormat, result).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
            if (!ReferenceEquals(body, context.Request.Body))
            {
                await body.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Applies the request's settings and database to its connection; the first refusal is the request's error.</summary>
    private static ClickHouseError? Prepare(ChdbConnection connection, ClickHouseRequest request)
    {
        foreach (var (name, value) in request.Settings)
        {
            var sql = $"SET {QuoteIdentifier(name)} = '{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'";
            using var set = connection.Query(Encoding.UTF8.GetBytes(sql), "TabSeparated"u8, default);
            if (set.Error is { } error)
            {
                return ClickHouseError.FromEngine(error);
            }
        }

        if (!string.IsNullOrEmpty(request.Database))
        {
            using var use = connection.Query(Encoding.UTF8.GetBytes($"USE {QuoteIdentifier(request.Database)}"), "TabSeparated"u8, default);
            if (use.Error is { } error)
            {
                return ClickHouseError.FromEngine(error);
            }
        }

        return null;
    }

    /// <summary>The statement: the <c>query</c> parameter, a newline and the body, or the body alone (as ClickHouse joins them).</summary>
    private static async Task<byte[]> StatementAsync(string? query, ReadOnlyMemory<byte> bodyStart, Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        if (query is not null)
        {
            buffer.Write(Encoding.UTF8.GetBytes(query));
            buffer.WriteByte((byte)'\n');
        }

        var mark = buffer.Length;
        buffer.Write(bodyStart.Span);
        await body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        if (query is not null && buffer.Length == mark)
        {
            buffer.SetLength(mark - 1);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads into <paramref name="chunk"/> from <paramref name="filled"/> until it is full, the body ends or (optionally) a newline arrives.</summary>
    private static async Task<int> FillAsync(Stream body, byte[] chunk, int filled, bool untilNewline, CancellationToken ct)
    {
        int read;
        while (filled < chunk.Length && (read = await body.ReadAsync(chunk.AsMemory(filled), ct).ConfigureAwait(false)) > 0)
        {
            if (untilNewline && chunk.AsSpan(filled, read).Contains((byte)'\n'))
            {
                return filled + read;
            }

            filled += read;
        }

        return filled;
    }

    private async Task InsertAsync(
        HttpContext context, ClickHouseRequest request, ChdbConnection connection, Stream body, string insert, string format, byte[] chunk, int dataStart, int filled)
    {
        using var stream = connection.BeginInsert(Encoding.UTF8.GetBytes(insert), Encoding.UTF8.GetBytes(format), new QueryParameters(request.Parameters));
        if (stream.Error is { } startError)
        {
            await WriteErrorAsync(context, request.QueryId, ClickHouseError.FromEngine(startError)).ConfigureAwait(false);
            return;
        }

        // Appends in chunks of up to 1 MiB: bounded memory for any batch, few native calls.
        var ended = false;
        while (!ended)
        {
            filled = await FillAsync(body, chunk, filled, untilNewline: false, context.RequestAborted).ConfigureAwait(false);
            ended = filled < chunk.Length;
            if (filled > dataStart && !stream.Append(chunk.AsSpan(dataStart, filled - dataStart)))
            {
                await WriteErrorAsync(context, request.QueryId, ClickHouseError.FromEngine(stream.Error ?? "insert stream failed")).ConfigureAwait(false);
                return;
            }

            (filled, dataStart) = (0, 0);
        }

        using var result = stream.Finish();
        if (result.Error is { } error)
        {
            await WriteErrorAsync(context, request.QueryId, ClickHouseError.FromEngine(error)).ConfigureAwait(false);
            return;
        }

        await WriteResultAsync(context, request, request.Format, result).ConfigureAwait(false);
    }

    private async Task WriteResultAsync(HttpContext context, ClickHouseRequest request, string format, ChdbResult result)
    {
        var response = context.Response;
        AddCommonHeaders(response, request.QueryId);
        response.Headers["X-ClickHouse-Format"] = format;
        response.Headers["X-ClickHouse-Summary"] = Summary(result.Statistics, result.Data.Length);
        response.ContentType = ContentType(format);
        var data = result.OpenRead();
        await using (data.ConfigureAwait(false))
        {
            if (data.Length > 0 && WantsGzip(context, request))
            {
                response.Headers.ContentEncoding = "gzip";
                var gzip = new GZipStream(response.Body, CompressionLevel.Fastest, leaveOpen: true);
                await using (gzip.ConfigureAwait(false))
                {
                    await data.CopyToAsync(gzip, context.RequestAborted).ConfigureAwait(false);
                }

                return;
            }

            response.ContentLength = data.Length;
            await data.CopyToAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static bool WantsGzip(HttpContext context, ClickHouseRequest request) =>
        request.Settings.Exists(s => s.Key == "enable_http_compression" && s.Value == "1")
        && context.Request.Headers.AcceptEncoding.ToString().Contains("gzip", StringComparison.OrdinalIgnoreCase);

    private async Task WriteErrorAsync(HttpContext context, string queryId, ClickHouseError error)
    {
        var response = context.Response;
        response.StatusCode = error.HttpStatus;
        AddCommonHeaders(response, queryId);
        response.Headers["X-ClickHouse-Exception-Code"] = error.Code.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "text/plain; charset=UTF-8";
        var message = error.Message.Contains("(version ", StringComparison.Ordinal) ? error.Message : $"{error.Message} (version {engine.Version})";
        await response.WriteAsync(message + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    private void AddCommonHeaders(HttpResponse response, string queryId)
    {
        response.Headers["X-ClickHouse-Query-Id"] = queryId;
        response.Headers["X-ClickHouse-Timezone"] = engine.Timezone;
        response.Headers["X-ClickHouse-Server-Display-Name"] = "calljoin-embedded";
    }

    private static string Summary(QueryStatistics s, int resultBytes) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"read_rows\":\"{s.ReadRows}\",\"read_bytes\":\"{s.ReadBytes}\",\"written_rows\":\"{s.WrittenRows}\",\"written_bytes\":\"{s.WrittenBytes}\",\"total_rows_to_read\":\"0\",\"result_rows\":\"{s.ReadRows}\",\"result_bytes\":\"{resultBytes}\",\"elapsed_ns\":\"{(long)(s.ElapsedSeconds * 1e9)}\"}}");

    private static string ContentType(string format) => format switch
    {
        _ when format.StartsWith("TabSeparated", StringComparison.OrdinalIgnoreCase) || format.StartsWith("TSV", StringComparison.OrdinalIgnoreCase)
            => "text/tab-separated-values; charset=UTF-8",
        _ when format.StartsWith("JSON", StringComparison.OrdinalIgnoreCase) => "application/json; charset=UTF-8",
        _ when format.StartsWith("CSV", StringComparison.OrdinalIgnoreCase) => "text/csv; charset=UTF-8; header=absent",
        _ => "application/octet-stream",
    };

    public void Dispose() => _slots.Dispose();

    private static string QuoteIdentifier(string name) => "`" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`";
}
