using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CallJoin.EmbeddedClickHouse;
using CallJoin.Testing;
using ClickHouse.Driver;

namespace CallJoin.ClickHouse.Tests.Embedded;

/// <summary>
/// A password-protected interface over the shared engine lets in its user and password however ClickHouse accepts them,
/// refuses everything else as ClickHouse does (403, code 516), and answers only to its own host names.
/// </summary>
public sealed class EndpointAccessTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private const string User = "weave";
    private const string Password = "s3cret;with=odd chars";
    private readonly HttpClient _http = new();
    private EmbeddedClickHouseServer _guarded = null!;

    public async ValueTask InitializeAsync()
    {
        _guarded = await clickHouse.Server.ServeAlsoAsync(new EmbeddedClickHouseOptions { DataPath = clickHouse.Server.DataPath, User = User, Password = Password });
        _http.BaseAddress = _guarded.Endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _guarded.DisposeAsync();
    }

    [Fact]
    public async Task The_right_password_works_through_ClickHouse_Driver()
    {
        using var client = new ClickHouseClient(_guarded.ConnectionString);
        Assert.Equal(2L, Convert.ToInt64(await client.ExecuteScalarAsync("SELECT 1 + 1"), CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("")]
    public async Task A_wrong_password_is_refused_through_ClickHouse_Driver_with_code_516(string password)
    {
        var connection = $"Host=127.0.0.1;Port={_guarded.Port};Protocol=http;Username={User};Password={password}";
        using var client = new ClickHouseClient(connection);
        var refused = await Assert.ThrowsAsync<ClickHouseServerException>(() => client.ExecuteScalarAsync("SELECT 1"));
        Assert.Equal(516, refused.ErrorCode);
    }

    [Theory]
    [InlineData("headers")]
    [InlineData("basic")]
    [InlineData("url")]
    public async Task Each_way_ClickHouse_takes_credentials_is_checked(string way)
    {
        using (var right = await _http.SendAsync(Request(way, User, Password)))
        {
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
            Assert.Equal("1\n", await right.Content.ReadAsStringAsync());
        }

        using var wrong = await _http.SendAsync(Request(way, User, Password + "x"));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal("516", Assert.Single(wrong.Headers.GetValues("X-ClickHouse-Exception-Code")));
        var body = await wrong.Content.ReadAsStringAsync();
        Assert.StartsWith("Code: 516. DB::Exception: weave: Authentication failed", body, StringComparison.Ordinal);
        Assert.Contains("(AUTHENTICATION_FAILED)", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_credentials_mean_the_default_user_which_this_interface_refuses()
    {
        using var response = await _http.GetAsync(new Uri("?query=SELECT%201", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.StartsWith("Code: 516. DB::Exception: default: ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ping_needs_no_credentials_as_on_a_server()
    {
        Assert.Equal("Ok.\n", await _http.GetStringAsync(new Uri("ping", UriKind.Relative)));
    }

    [Theory]
    [InlineData("attacker.example")]
    [InlineData("10.1.2.3")]
    [InlineData("localhost.attacker.example")]
    public async Task A_foreign_Host_header_is_refused(string host)
    {
        foreach (var path in new[] { "ping", "?query=SELECT%201" })
        {
            using var request = Request("basic", User, Password, path);
            request.Headers.Host = $"{host}:{_guarded.Port}";
            using var response = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("497", Assert.Single(response.Headers.GetValues("X-ClickHouse-Exception-Code")));
        }
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task Loopback_names_are_this_server(string host)
    {
        using var request = Request("basic", User, Password);
        request.Headers.Host = $"{host}:{_guarded.Port}";
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static HttpRequestMessage Request(string way, string user, string password, string path = "?query=SELECT%201")
    {
        if (way == "url")
        {
            path += $"&user={Uri.EscapeDataString(user)}&password={Uri.EscapeDataString(password)}";
        }

        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (way == "headers")
        {
            request.Headers.Add("X-ClickHouse-User", user);
            request.Headers.Add("X-ClickHouse-Key", password);
        }
        else if (way == "basic")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }

        return request;
    }
}
