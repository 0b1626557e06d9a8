using System.Net;
using CallJoin.ClickHouse.Lookup;
using CallJoin.ClickHouse.Sink;
using CallJoin.ClickHouse.Tests.Sink;
using CallJoin.Core.Halves;
using CallJoin.Core.Join;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Lookup;

/// <summary>A migrated database for one lookup test: rows and records go in through the real sink, lookups count their queries.</summary>
internal sealed class LookupDatabase : IDisposable
{
    private static readonly TimeSpan SafetyNet = TimeSpan.FromMinutes(2);
    private readonly MigratedDatabase _db;
    private readonly QueryCounter _counter;
    private readonly HttpClient _http;
    private readonly ClickHouseClient _lookupClient;

    private LookupDatabase(MigratedDatabase db, string connectionString)
    {
        _db = db;
        _counter = new QueryCounter(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All });
        _http = new HttpClient(_counter);
        _lookupClient = new ClickHouseClient(connectionString, _http);
    }

    public ClickHouseClient Client => _db.Client;

    /// <summary>How many HTTP requests the lookups sent.</summary>
    public int Queries => _counter.Requests;

    public static async Task<LookupDatabase> CreateAsync(ClickHouseFixture clickHouse, string prefix)
    {
        var db = await MigratedDatabase.CreateAsync(clickHouse, prefix);
        return new LookupDatabase(db, clickHouse.ConnectionStringFor(db.Name));
    }

    /// <summary>A lookup over this database's tables (the sink's default names in the client's database).</summary>
    public LatePartnerLookup Lookup(int maxKeysPerQuery = LatePartnerLookup.DefaultMaxKeysPerQuery, SinkOptions? options = null) =>
        new(_lookupClient, options ?? new SinkOptions(), maxKeysPerQuery);

    /// <summary>Writes through a real sink and waits until every batch landed.</summary>
    public async Task WriteAsync(Action<ClickHouseSink> add)
    {
        using var timeout = new CancellationTokenSource(SafetyNet);
        await using var sink = new ClickHouseSink(_db.Client, new SinkOptions());
        add(sink);
        await sink.CompleteAsync(timeout.Token);
    }

    /// <summary>Adds <paramref name="row"/> as the join would: a running row at its running version, a complete row at its complete version.</summary>
    public static void AddRow(ClickHouseSink sink, CallRowData row, int offset)
    {
        var complete = row.EndedAtMicros != 0;
        sink.AddRow(row, complete ? RowVersion.Complete(row) : RowVersion.Running(row), new RowSources(new SourcePosition(0, offset), default, complete));
    }

    public void Dispose()
    {
        _lookupClient.Dispose();
        _http.Dispose();
        _db.Dispose();
    }

    private sealed class QueryCounter(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
