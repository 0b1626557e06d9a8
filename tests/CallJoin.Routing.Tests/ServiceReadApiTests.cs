using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CallJoin.ClickHouse;
using CallJoin.ClickHouse.Sink;
using CallJoin.Kafka.Ingest;
using CallJoin.Routing;
using CallJoin.Service.Hosting;
using CallJoin.Service.Reads;
using CallJoin.Service.Settings;
using CallJoin.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CallJoin.Routing.Tests;

/// <summary>
/// The read API of the running service (consuming nothing): <c>/v1/route</c>, <c>/v1/calls</c> on either table, the
/// emergency switch, per-table metrics, and a routing change in the configuration file taking effect without a restart.
/// </summary>
public sealed class ServiceReadApiTests(ClickHouseFixture clickHouse) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private ReadPathDatabase _db = null!;
    private readonly List<string> _files = [];

    public async ValueTask InitializeAsync() => _db = await ReadPathDatabase.CreateAsync(clickHouse, tracesPerDay: 2);

    public ValueTask DisposeAsync()
    {
        _db.Dispose();
        foreach (var file in _files)
        {
            File.Delete(file);
        }

        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Calls_are_read_through_the_router_and_the_emergency_switch_flips_the_next_read()
    {
        var settings = new ServiceSettings
        {
            Enabled = false,
            Ingest = new IngestOptions { BootstrapServers = "127.0.0.1:1" },
            ClickHouse = new ClickHouseEndpoint(clickHouse.ConnectionString, _db.Name),
            Sink = new SinkOptions { Database = _db.Name },
            HttpPort = 0,
            Routing = new RoutingOptions { Cutoff = new DateOnly(2025, 3, 1) },
        };
        await using var app = CallJoinHost.ForSettings(settings);
        await app.StartAsync(TestContext.Current.CancellationToken);
        Assert.True(await app.Services.GetRequiredService<CallRouter>().RefreshAsync());
        using var http = new HttpClient { BaseAddress = CallJoinHost.LocalAddress(app), Timeout = Bound };
        const string query = "project_id=entity%2Fproject-a&started_after=2025-03-02T00:00:00Z&limit=50";

        var route = await http.GetFromJsonAsync<JsonObject>($"v1/route?{query}");
        Assert.Equal("calls_complete", (string?)route!["table"]);
        Assert.Equal("migrated", (string?)route["rule"]);
        Assert.Equal("both", (string?)route["residence"]);
        Assert.True((bool?)route["state"]!["loaded"]);

        using var complete = await http.GetAsync(new Uri($"v1/calls?{query}", UriKind.Relative));
        Assert.Equal("calls_complete", complete.Headers.GetValues("X-CallJoin-Table").Single());
        var completeBody = await complete.Content.ReadAsStringAsync();

        using (var flip = await http.PostAsync(new Uri("v1/route/emergency?on=true", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.OK, flip.StatusCode);
        }

        using var merged = await http.GetAsync(new Uri($"v1/calls?{query}", UriKind.Relative));
        Assert.Equal("calls_merged", merged.Headers.GetValues("X-CallJoin-Table").Single());
        Assert.Equal("emergency", merged.Headers.GetValues("X-CallJoin-Rule").Single());
        Assert.Equal(completeBody, await merged.Content.ReadAsStringAsync());
        Assert.Equal(16, completeBody.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        await http.PostAsync(new Uri("v1/route/emergency?on=clear", UriKind.Relative), null);
        Assert.Equal("calls_complete", (string?)(await http.GetFromJsonAsync<JsonObject>($"v1/route?{query}"))!["table"]);

        var metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        Assert.Contains("calljoin_reads_total{otel_scope_name=\"CallJoin\",table=\"calls_merged\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("calljoin_read_rows_total{otel_scope_name=\"CallJoin\",table=\"calls_complete\"} 16", metrics, StringComparison.Ordinal);
        Assert.Contains("calljoin_read_latency_seconds_bucket", metrics, StringComparison.Ordinal);
        Assert.Contains("rule=\"emergency\"", metrics, StringComparison.Ordinal);

        using var bad = await http.GetAsync(new Uri("v1/calls?started_after=yesterday", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var badTime = await http.GetAsync(new Uri("v1/calls?project_id=p&started_after=yesterday", UriKind.Relative));
        Assert.Contains("started_after", await badTime.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_routing_change_in_the_configuration_file_applies_to_the_next_decision_without_a_restart()
    {
        var file = Path.Combine(Path.GetTempPath(), $"calljoin-routing-{Guid.NewGuid():N}.json");
        _files.Add(file);
        await File.WriteAllTextAsync(file, Config(forceMerged: false, deny: "[]"));
        await using var app = CallJoinHost.FromConfiguration(file);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var router = app.Services.GetRequiredService<CallRouter>();
        var monitor = app.Services.GetRequiredService<RoutingOptionsMonitor>();
        Assert.True(await router.RefreshAsync());
        using var http = new HttpClient { BaseAddress = CallJoinHost.LocalAddress(app), Timeout = Bound };
        const string query = "v1/route?project_id=entity%2Fproject-b&started_after=2025-03-02T00:00:00Z";
        Assert.Equal("calls_complete", (string?)(await http.GetFromJsonAsync<JsonObject>(query))!["table"]);

        await RewriteAsync(monitor, file, Config(forceMerged: true, deny: "[]"));
        var flipped = await http.GetFromJsonAsync<JsonObject>(query);
        Assert.Equal(("calls_merged", "emergency"), ((string?)flipped!["table"], (string?)flipped["rule"]));

        await RewriteAsync(monitor, file, Config(forceMerged: false, deny: "[\"entity/project-b\"]"));
        Assert.Equal("deny_list", (string?)(await http.GetFromJsonAsync<JsonObject>(query))!["rule"]);
        await app.StopAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Rewrites the file and waits (bounded) until the monitor has applied it.</summary>
    private static async Task RewriteAsync(RoutingOptionsMonitor monitor, string file, string json)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(object? sender, EventArgs e) => changed.TrySetResult();
        monitor.Changed += OnChanged;
        try
        {
            await File.WriteAllTextAsync(file, json);
            try
            {
                await changed.Task.WaitAsync(Bound);
            }
            catch (TimeoutException)
            {
                Assert.Fail($"The routing options did not reload within {Bound.TotalSeconds} s of rewriting {file}.");
            }
        }
        finally
        {
            monitor.Changed -= OnChanged;
        }
    }

    private string Config(bool forceMerged, string deny) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["ENABLE_CALL_COMPLETION_WORKER"] = "false",
        ["CALLJOIN_CLICKHOUSE"] = clickHouse.ConnectionString,
        ["WF_CLICKHOUSE_DATABASE"] = _db.Name,
        ["CallJoin"] = new Dictionary<string, object>
        {
            ["Http"] = new Dictionary<string, object> { ["Port"] = "0" },
            ["State"] = new Dictionary<string, object> { ["Store"] = "memory" },
            ["Routing"] = new Dictionary<string, object>
            {
                ["Enabled"] = "true",
                ["ForceMerged"] = forceMerged ? "true" : "false",
                ["Cutoff"] = "2025-03-01",
                ["DenyProjects"] = JsonSerializer.Deserialize<string[]>(deny)!,
            },
        },
    });
}
