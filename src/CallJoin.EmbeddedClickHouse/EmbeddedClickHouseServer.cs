using System.Data.Common;
using System.Globalization;
using System.Net;
using CallJoin.EmbeddedClickHouse.Engine;
using CallJoin.EmbeddedClickHouse.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallJoin.EmbeddedClickHouse;

/// <summary>
/// The ClickHouse engine (chDB, from the pinned npm package) served over ClickHouse's HTTP interface (on 127.0.0.1
/// unless configured otherwise), so ClickHouse.Driver and any HTTP client talk to it exactly as to a ClickHouse server.
/// </summary>
/// <remarks>
/// One engine per process (chDB runs one data directory per process); <see cref="ServeAlsoAsync"/> adds another
/// interface over it with its own address and credentials. <see cref="SuspendAsync"/> closes the listener while the
/// engine and its data stay, to let tests see an unreachable server and its recovery.
/// </remarks>
public sealed class EmbeddedClickHouseServer : IAsyncDisposable
{
    private readonly ChdbEngine _engine;
    private readonly bool _ownsEngine;
    private readonly ClickHouseHttpHandler _handler;
    private readonly EmbeddedClickHouseOptions _options;
    private WebApplication? _listener;

    private EmbeddedClickHouseServer(ChdbEngine engine, bool ownsEngine, EmbeddedClickHouseOptions options)
    {
        _engine = engine;
        _ownsEngine = ownsEngine;
        _options = options;
        _handler = new ClickHouseHttpHandler(engine, new ClickHouseAccess(options.Address, options.User, options.Password), options.MaxConcurrentQueries);
        Port = options.Port;
    }

    /// <summary>The listening port (chosen at start when the options asked for 0).</summary>
    public int Port { get; private set; }

    /// <summary>The HTTP interface's base address (a loopback one when listening on every interface).</summary>
    public Uri Endpoint => new($"http://{HostName}:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>A ClickHouse.Driver connection string for this endpoint (database <c>default</c>) with its user and password.</summary>
    public string ConnectionString
    {
        get
        {
            var builder = new DbConnectionStringBuilder
            {
                ["Host"] = HostName,
                ["Port"] = Port.ToString(CultureInfo.InvariantCulture),
                ["Protocol"] = "http",
                ["Username"] = _options.User,
            };
            if (_options.Password.Length > 0)
            {
                builder["Password"] = _options.Password;
            }

            return builder.ConnectionString;
        }
    }

    /// <summary>The engine's ClickHouse version.</summary>
    public string EngineVersion => _engine.Version;

    /// <summary>The data directory.</summary>
    public string DataPath => _engine.DataPath;

    /// <summary>Boots the engine on the data directory and starts listening.</summary>
    public static async Task<EmbeddedClickHouseServer> StartAsync(EmbeddedClickHouseOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var engine = ChdbEngine.Boot(options.DataPath);
        var server = new EmbeddedClickHouseServer(engine, ownsEngine: true, options);
        try
        {
            await server.ResumeAsync(ct).ConfigureAwait(false);
            return server;
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Serves this server's engine on one more interface with its own address, port and credentials (the data path must
    /// be this server's); disposing it closes only that interface.
    /// </summary>
    public async Task<EmbeddedClickHouseServer> ServeAlsoAsync(EmbeddedClickHouseOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Path.GetFullPath(options.DataPath) != Path.GetFullPath(DataPath))
        {
            throw new ArgumentException($"chDB runs one data directory per process: this engine's is {DataPath}, not {options.DataPath}.", nameof(options));
        }

        var server = new EmbeddedClickHouseServer(_engine, ownsEngine: false, options);
        await server.ResumeAsync(ct).ConfigureAwait(false);
        return server;
    }

    /// <summary>Stops listening (clients get connection refused); data and engine stay.</summary>
    public async Task SuspendAsync(CancellationToken ct = default)
    {
        if (_listener is { } listener)
        {
            _listener = null;
            await listener.StopAsync(ct).ConfigureAwait(false);
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public async Task ResumeAsync(CancellationToken ct = default)
    {
        if (_listener is not null)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = Port;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(_options.Address, port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;     // batch inserts are as large as the client makes them
            kestrel.Limits.MinRequestBodyDataRate = null;
        });
        var app = builder.Build();
        app.Run(_handler.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Port = new Uri(address).Port;
        _listener = app;
    }

    public async ValueTask DisposeAsync()
    {
        await SuspendAsync().ConfigureAwait(false);
        _handler.Dispose();
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }

    private string HostName => _options.Address.Equals(IPAddress.Any) || _options.Address.Equals(IPAddress.IPv6Any) ? "127.0.0.1"
        : _options.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{_options.Address}]"
        : _options.Address.ToString();
}
