using System.Net;
using System.Text.Json;
using CallJoin.ClickHouse;
using CallJoin.EmbeddedClickHouse;
using CallJoin.Service.Tests.Pipeline;
using CallJoin.Testing;

namespace CallJoin.Service.Tests.Security;

/// <summary><c>/readyz</c> names a failure by a stable code, never by the exception's text.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class HealthBodyTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    [Fact]
    public async Task A_refused_password_shows_as_clickhouse_code_516_not_as_the_message()
    {
        await using var guarded = await clickHouse.Server.ServeAlsoAsync(new EmbeddedClickHouseOptions { DataPath = clickHouse.Server.DataPath, Password = "right" });
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 1);
        var settings = harness.Settings() with
        {
            ClickHouse = new ClickHouseEndpoint($"Host=127.0.0.1;Port={guarded.Port};Protocol=http;Username=default;Password=wrong", harness.Database),
        };
        await using var service = await ServiceHarness.StartAsync(settings, waitUntilReady: false);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        var body = "";
        await Eventually.TrueAsync(async () =>
        {
            using var response = await http.GetAsync(new Uri("readyz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            body = await response.Content.ReadAsStringAsync();
            return JsonDocument.Parse(body).RootElement.GetProperty("migrationError").ValueKind == JsonValueKind.String;
        }, "/readyz reported the failing migration");

        Assert.Equal("clickhouse:516:AUTHENTICATION_FAILED", JsonDocument.Parse(body).RootElement.GetProperty("migrationError").GetString());
        Assert.DoesNotContain("Authentication failed", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }
}
