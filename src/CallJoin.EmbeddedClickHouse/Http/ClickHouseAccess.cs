using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CallJoin.EmbeddedClickHouse.Http;

/// <summary>Who may use the HTTP interface: one user and password, asked for as ClickHouse asks, and only under this server's own host names.</summary>
/// <remarks>
/// Credentials come the ways ClickHouse's HTTP interface takes them: <c>X-ClickHouse-User</c>/<c>X-ClickHouse-Key</c>
/// headers, HTTP Basic (what ClickHouse.Driver sends), or <c>user</c>/<c>password</c> URL parameters; no user means
/// <c>default</c>. The Host check keeps a web page whose DNS name was re-pointed at 127.0.0.1 (DNS rebinding) from
/// reaching a loopback server through a browser.
/// </remarks>
internal sealed class ClickHouseAccess
{
    private readonly byte[] _user;
    private readonly byte[] _password;
    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1" };
    private readonly bool _anyAddress;

    public ClickHouseAccess(IPAddress address, string user, string password)
    {
        _user = Digest(user);
        _password = Digest(password);
        _anyAddress = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
        if (_anyAddress)
        {
            // Every interface: clients also reach it by an address of the machine or its name.
            _hosts.Add(Dns.GetHostName());
        }
        else
        {
            _hosts.Add(address.ToString());
        }
    }

    /// <summary>Whether the request names this server in its Host header (an absent header is HTTP/1.0, not a browser).</summary>
    public bool AllowsHost(HostString host)
    {
        if (!host.HasValue)
        {
            return true;
        }

        var name = host.Host.Trim('[', ']');
        return _hosts.Contains(name) || (_anyAddress && IPAddress.TryParse(name, out _));
    }

    /// <summary>The refusal for a request without this server's user and password, as ClickHouse words it; null to let it in.</summary>
    public ClickHouseError? Authenticate(HttpRequest request)
    {
        var (user, password) = Credentials(request);
        return Same(user, _user) & Same(password, _password)
            ? null
            : ClickHouseError.Create(516, "AUTHENTICATION_FAILED",
                $"{user}: Authentication failed: password is incorrect, or there is no user with such name");
    }

    private static (string User, string Password) Credentials(HttpRequest request)
    {
        var headers = request.Headers;
        if (headers.ContainsKey("X-ClickHouse-User") || headers.ContainsKey("X-ClickHouse-Key"))
        {
            return (Or(headers["X-ClickHouse-User"].FirstOrDefault()), headers["X-ClickHouse-Key"].FirstOrDefault() ?? "");
        }

        if (headers.Authorization.FirstOrDefault() is { } authorization
            && authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
            && Base64(authorization["Basic ".Length..].Trim()) is { } basic)
        {
            var colon = basic.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (Or(basic), "") : (Or(basic[..colon]), basic[(colon + 1)..]);
        }

        return (Or(request.Query["user"].FirstOrDefault()), request.Query["password"].FirstOrDefault() ?? "");
    }

    private static string Or(string? user) => string.IsNullOrEmpty(user) ? "default" : user;

    private static string? Base64(string text)
    {
        var bytes = new byte[text.Length];
        return Convert.TryFromBase64String(text, bytes, out var length) ? Encoding.UTF8.GetString(bytes, 0, length) : null;
    }

    /// <summary>Compares digests in fixed time, so timing reveals neither where the texts differ nor the password's length.</summary>
    private static bool Same(string given, byte[] expected) => CryptographicOperations.FixedTimeEquals(Digest(given), expected);

    private static byte[] Digest(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
