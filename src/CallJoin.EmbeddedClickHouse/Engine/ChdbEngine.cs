using System.Runtime.InteropServices;
using System.Text;

namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>
/// The chDB engine booted on one data directory. chDB runs one storage path per process, so there is at most one
/// engine alive; it holds a base connection for its whole life because closing the last connection shuts the engine
/// down.
/// </summary>
/// <remarks>Thread-safe. Connections are cheap (~0.1 ms) and each HTTP request gets a fresh one, so no session
/// state (settings, current database) can leak from one request into the next.</remarks>
internal sealed unsafe class ChdbEngine : IDisposable
{
    private static readonly Lock Gate = new();
    private static ChdbEngine? s_current;

    private readonly string _pathArgument;
    private nint* _base;

    private ChdbEngine(string dataPath, nint* baseConnection)
    {
        DataPath = dataPath;
        _pathArgument = "--path=" + dataPath;
        _base = baseConnection;
        using var version = Connection(baseConnection).Query("SELECT version(), timezone()"u8, "TabSeparated"u8, default);
        var fields = version.ThrowIfError().Text().TrimEnd('\n').Split('\t');
        Version = fields[0];
        Timezone = fields[1];
    }

    public string DataPath { get; }

    /// <summary>The engine's ClickHouse version, e.g. <c>26.7.2.1</c>.</summary>
    public string Version { get; }

    /// <summary>The server time zone (the machine's), reported to clients as <c>X-ClickHouse-Timezone</c>.</summary>
    public string Timezone { get; }

    /// <summary>Boots the engine on <paramref name="dataPath"/>; fails if this process already runs one elsewhere.</summary>
    public static ChdbEngine Boot(string dataPath)
    {
        var full = Path.GetFullPath(dataPath);
        lock (Gate)
        {
            if (s_current is not null)
            {
                throw new InvalidOperationException(
                    $"chDB already runs on '{s_current.DataPath}' in this process; it supports one data directory per process.");
            }

            Directory.CreateDirectory(full);
            // The .NET runtime owns SIGSEGV and friends (null references, stack probes); chDB must not replace them.
            ChdbNative.SetSignalHandlersEnabled(0);
            var connection = ConnectRaw("--path=" + full);
            if (connection == null)
            {
                throw new InvalidOperationException($"chDB could not open the data directory '{full}'.");
            }

            s_current = new ChdbEngine(full, connection);
            return s_current;
        }
    }

    /// <summary>Opens a connection with default settings and the <c>default</c> database.</summary>
    public ChdbConnection Open()
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        var raw = ConnectRaw(_pathArgument);
        return raw == null ? throw new InvalidOperationException("chDB refused a new connection.") : new ChdbConnection(raw);
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (_base == null)
            {
                return;
            }

            ChdbNative.CloseConnection(_base);
            _base = null;
            s_current = null;
        }
    }

    private static ChdbConnection Connection(nint* raw) => new(raw, owned: false);

    private static nint* ConnectRaw(string pathArgument)
    {
        var args = new[] { "clickhouse", pathArgument };
        var utf8 = args.Select(a => Encoding.UTF8.GetBytes(a + "\0")).ToArray();
        var handles = utf8.Select(b => GCHandle.Alloc(b, GCHandleType.Pinned)).ToArray();
        try
        {
            var argv = stackalloc byte*[args.Length];
            for (var i = 0; i < args.Length; i++)
            {
                argv[i] = (byte*)handles[i].AddrOfPinnedObject();
            }

            return ChdbNative.Connect(args.Length, argv);
        }
        finally
        {
            foreach (var h in handles)
            {
                h.Free();
            }
        }
    }
}
