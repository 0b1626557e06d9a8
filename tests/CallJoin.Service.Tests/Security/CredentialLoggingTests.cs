using System.Globalization;
using CallJoin.EmbeddedClickHouse;
using CallJoin.Service.Tests.Pipeline;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Security;

/// <summary>
/// The ClickHouse password never reaches the logs: <c>calljoin run</c> as a child process against a password-protected
/// ClickHouse interface, everything it writes to stdout and stderr kept (debug level, text and JSON), once working and
/// once refused.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed class CredentialLoggingTests(BrokerFixture kafka, ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private const string User = "calljoin";
    private const string Password = "pw-7c1e-never-logged";
    private const string WrongPassword = "pw-93ab-also-never-logged";
    private EmbeddedClickHouseServer _guarded = null!;

    public async ValueTask InitializeAsync() =>
        _guarded = await clickHouse.Server.ServeAlsoAsync(new EmbeddedClickHouseOptions { DataPath = clickHouse.Server.DataPath, User = User, Password = Password });

    public async ValueTask DisposeAsync() => await _guarded.DisposeAsync();

    [Fact]
    public async Task A_service_with_the_right_password_joins_everything_and_logs_no_password()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 2);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 300, Seed = 41 });
        await harness.PublishAsync(workload.Events());

        string output;
        using (var service = ChildService.Start(harness, harness.NewStateDirectory(), Environment(Password, json: false)))
        {
            Assert.Equal(workload.Expected.CallsInTable, await harness.WaitForAsync("SELECT count() FROM {db}.calls_complete FINAL", workload.Expected.CallsInTable));
            Assert.Equal(0, service.Stop());
            output = service.Output;
        }

        Assert.Contains("CallJoin starting", output, StringComparison.Ordinal);   // the capture works
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_refused_for_a_wrong_password_logs_the_refusal_but_no_password()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 2);

        string output;
        using (var service = ChildService.Start(harness, harness.NewStateDirectory(), Environment(WrongPassword, json: true)))
        {
            // The migration is refused and retried, logged each time with ClickHouse's reason.
            await Eventually.TrueAsync(() => service.Output.Contains("AUTHENTICATION_FAILED", StringComparison.Ordinal),
                "the service logged ClickHouse's refusal of its password");
            service.Stop();
            output = service.Output;
        }

        Assert.Contains("Schema migration failed", output, StringComparison.Ordinal);
        Assert.DoesNotContain(WrongPassword, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
    }

    /// <summary>The upstream variables (host, port, user, password), debug logging, text or JSON lines.</summary>
    private Dictionary<string, string> Environment(string password, bool json)
    {
        var env = new Dictionary<string, string>
        {
            ["CALLJOIN_CLICKHOUSE"] = "",   // else the harness's full connection string (no password) wins
            ["WF_CLICKHOUSE_HOST"] = "127.0.0.1",
            ["WF_CLICKHOUSE_PORT"] = _guarded.Port.ToString(CultureInfo.InvariantCulture),
            ["WF_CLICKHOUSE_USER"] = User,
            ["WF_CLICKHOUSE_PASS"] = password,
            ["Logging__LogLevel__Default"] = "Debug",
        };
        if (json)
        {
            env["Logging__Console__FormatterName"] = "json";
        }

        return env;
    }
}
