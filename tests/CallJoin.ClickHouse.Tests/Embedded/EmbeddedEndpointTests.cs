using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using CallJoin.Testing;
using ClickHouse.Driver;
using ClickHouse.Driver.ADO.Parameters;
using ClickHouse.Driver.Utility;
using K4os.Compression.LZ4.Streams;

namespace CallJoin.ClickHouse.Tests.Embedded;

/// <summary>The embedded endpoint speaks ClickHouse's HTTP interface the way ClickHouse.Driver and plain HTTP clients expect.</summary>
public sealed class EmbeddedEndpointTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private static readonly Dictionary<string, string> ColumnTypes = new() { ["id"] = "UInt64", ["payload"] = "String" };
    private readonly HttpClient _http = new();
    private ClickHouseClient _client = null!;
    private string _db = "";

    public async ValueTask InitializeAsync()
    {
        _db = await clickHouse.CreateDatabaseAsync("http");
        _client = new ClickHouseClient(clickHouse.ConnectionStringFor(_db));
        _http.BaseAddress = clickHouse.Server.Endpoint;
        await _client.ExecuteNonQueryAsync("CREATE TABLE t (id UInt64, payload String) ENGINE = MergeTree ORDER BY id");
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Ping_answers_like_a_server()
    {
        Assert.Equal("Ok.\n", await _http.GetStringAsync(new Uri("ping", UriKind.Relative)));
        Assert.True(await _client.PingAsync());
    }

    [Fact]
    public async Task Query_parameters_are_bound_by_the_engine()
    {
        var parameters = new ClickHouseParameterCollection();
        parameters.AddParameter("n", 41);
        parameters.AddParameter("s", "it's");
        var sum = await _client.ExecuteScalarAsync("SELECT {n:UInt32} + 1", parameters);
        var text = await _client.ExecuteScalarAsync("SELECT concat({s:String}, '!')", parameters);
        Assert.Equal(42L, Convert.ToInt64(sum, CultureInfo.InvariantCulture));
        Assert.Equal("it's!", text);
    }

    [Theory]
    [InlineData(InsertQueryPlacement.Url)]
    [InlineData(InsertQueryPlacement.Body)]
    public async Task Driver_binary_inserts_larger_than_a_chunk_land_exactly(InsertQueryPlacement placement)
    {
        // ~3 MiB of RowBinary: the endpoint hands it to the engine in several chunks.
        var rows = Enumerable.Range(0, 10_000).Select(i => new object[] { (ulong)i, new string((char)('a' + (i % 26)), 300) });
        var written = await _client.InsertBinaryAsync("t", ["id", "payload"], rows, new InsertOptions { ColumnTypes = ColumnTypes, QueryPlacement = placement });

        Assert.Equal(10_000, written);
        Assert.Equal("10000\t49995000\t3000000", await TextAsync("SELECT count(), sum(id), sum(length(payload)) FROM t"));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("zstd")]
    [InlineData("lz4")]
    public async Task Compressed_request_bodies_are_decoded(string encoding)
    {
        var data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 1000).Select(i => $"{i}\tpayload-{i}\n")));
        using var content = new ByteArrayContent(Compress(data, encoding));
        content.Headers.ContentEncoding.Add(encoding);
        var query = Uri.EscapeDataString("INSERT INTO t (id, payload) FORMAT TabSeparated");
        using var response = await _http.PostAsync(new Uri($"?database={_db}&query={query}", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("1000\t500500", await TextAsync("SELECT count(), sum(id) FROM t"));
    }

    [Fact]
    public async Task Errors_carry_ClickHouse_exception_codes()
    {
        using var response = await _http.GetAsync(new Uri($"?database={_db}&query={Uri.EscapeDataString("SELECT * FROM missing_table")}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("60", response.Headers.GetValues("X-ClickHouse-Exception-Code").Single());
        Assert.StartsWith("Code: 60. DB::Exception:", body, StringComparison.Ordinal);
        var thrown = await Assert.ThrowsAsync<ClickHouseServerException>(() => _client.ExecuteScalarAsync("SELECT throwIf(1)"));
        Assert.Equal(395, thrown.ErrorCode);
    }

    [Fact]
    public async Task Unknown_settings_are_refused()
    {
        var options = new QueryOptions { CustomSettings = new Dictionary<string, object> { ["no_such_setting"] = 1 } };
        var thrown = await Assert.ThrowsAsync<ClickHouseServerException>(() => _client.ExecuteScalarAsync("SELECT 1", options: options));
        Assert.Equal(115, thrown.ErrorCode);
    }

    [Fact]
    public async Task Settings_and_database_apply_to_their_own_request_only()
    {
        var defaultThreads = await TextAsync("SELECT getSetting('max_threads')");
        for (var round = 0; round < 3; round++)
        {
            var options = new QueryOptions { CustomSettings = new Dictionary<string, object> { ["max_threads"] = 3, ["max_block_size"] = 777 } };
            Assert.Equal("3/777", await _client.ExecuteScalarAsync("SELECT concat(toString(getSetting('max_threads')), '/', toString(getSetting('max_block_size')))", options: options));
            Assert.Equal("system", await TextAsync("SELECT currentDatabase()", database: "system"));

            Assert.Equal(defaultThreads, await TextAsync("SELECT getSetting('max_threads')"));
            Assert.NotEqual("777", await TextAsync("SELECT getSetting('max_block_size')"));
            Assert.Equal("default", await TextAsync("SELECT currentDatabase()", database: null));
        }
    }

    [Fact]
    public async Task Concurrent_inserts_and_reads_all_land()
    {
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var rows = Enumerable.Range(0, 5_000).Select(i => new object[] { (ulong)((w * 5_000) + i), $"w{w}" });
            return await _client.InsertBinaryAsync("t", ["id", "payload"], rows, new InsertOptions { ColumnTypes = ColumnTypes });
        }));
        var readers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => TextAsync("SELECT count() >= 0 FROM t")));

        var written = await Task.WhenAll(writers);
        var reads = await Task.WhenAll(readers);

        Assert.All(written, n => Assert.Equal(5_000, n));
        Assert.All(reads, r => Assert.Equal("1", r));
        Assert.Equal("40000\t40000\t8", await TextAsync("SELECT count(), uniqExact(id), uniqExact(payload) FROM t"));
    }

    private async Task<string> TextAsync(string sql, string? database = "")
    {
        var db = database == "" ? _db : database;
        var uri = db is null ? $"?query={Uri.EscapeDataString(sql)}" : $"?database={db}&query={Uri.EscapeDataString(sql)}";
        using var response = await _http.GetAsync(new Uri(uri, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return text.TrimEnd('\n');
    }

    private static byte[] Compress(byte[] data, string encoding)
    {
        using var output = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "br" => new BrotliStream(output, CompressionLevel.Fastest, leaveOpen: true),
            "zstd" => new ZstdSharp.CompressionStream(output, leaveOpen: true),
            "lz4" => LZ4Stream.Encode(output, leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
        })
        {
            compressor.Write(data);
        }

        return output.ToArray();
    }
}
