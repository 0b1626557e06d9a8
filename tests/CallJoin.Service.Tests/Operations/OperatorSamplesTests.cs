using System.Text.Json;
using CallJoin.Service.Tests.Pipeline;
using CallJoin.Testing;
using CallJoin.Workload;
using YamlDotNet.RepresentationModel;

namespace CallJoin.Service.Tests.Operations;

/// <summary>
/// The operators' samples — the Grafana dashboard and the Prometheus alert rules — read only names a running service
/// exports on <c>/metrics</c>, and both files are well formed.
/// </summary>
[Collection(nameof(ServiceRuns))]
public sealed class OperatorSamplesTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    private static readonly string[] HistogramSeries = ["_bucket", "_sum", "_count"];

    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alerts_read_is_exported_by_a_running_service()
    {
        var dashboard = DashboardExpressions(File.ReadAllText(Locate("grafana", "calljoin.json")));
        var alerts = AlertExpressions(File.ReadAllText(Locate("prometheus", "alerts.yaml")));
        var used = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (where, expression) in dashboard.Concat(alerts))
        {
            var names = where.StartsWith("variable", StringComparison.Ordinal) ? PromQlNames.OfVariableQuery(expression) : PromQlNames.Of(expression);
            Assert.NotEmpty(names);
            foreach (var name in names)
            {
                used.TryAdd(name, where);
            }
        }

        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 2);
        var workload = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 400, Malformed = 0.02 });
        var expected = workload.Expected;
        Assert.True(expected.Malformed > 0 && expected.CompleteRows > 0, "the workload must yield complete rows and error records");
        await harness.PublishAsync(workload.Events());
        var settings = harness.Settings();
        await using var service = await ServiceHarness.StartAsync(settings);

        // Counters and histograms recorded as things happen (errors, latencies) appear once the first is recorded; the
        // lag per partition once the ingest has measured it (at a commit interval).
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var metrics = "";
        await Eventually.TrueAsync(async () =>
        {
            metrics = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            return PrometheusText.Sum(metrics, "calljoin_halves_consumed_total") >= expected.Messages
                && PrometheusText.Sum(metrics, "calljoin_errors_total") >= expected.ErrorRecords
                && PrometheusText.Sum(metrics, "calljoin_sink_flush_latency_seconds_count") > 0
                && PrometheusText.Has(metrics, "calljoin_kafka_lag");
        }, $"/metrics counted all {expected.Messages} halves, {expected.ErrorRecords} error records and a flushed batch, and showed the lag");

        var missing = used.Where(u => !IsExported(metrics, u.Key)).Select(u => $"{u.Key} (in {u.Value})").ToList();
        Assert.True(missing.Count == 0, $"""
            Not exported on /metrics: {string.Join(", ", missing)}.
            Exported: {string.Join(", ", Families(metrics).Keys.Order(StringComparer.Ordinal))}
            """);

        // What the dashboard must show, present under its exact names; and the check rejects a misspelt one.
        Assert.Contains("calljoin_join_latency_seconds_bucket", used.Keys);
        Assert.Contains("calljoin_state_memory_budget_bytes", used.Keys);
        Assert.Equal(settings.State!.MemoryBudgetBytes, PrometheusText.Sum(metrics, "calljoin_state_memory_budget_bytes"));
        var misspelt = PromQlNames.Of("histogram_quantile(0.99, sum by (le) (rate(calljoin_join_latncy_seconds_bucket{le!=\"+Inf\"}[5m])))");
        Assert.Equal(["calljoin_join_latncy_seconds_bucket"], misspelt);
        Assert.False(IsExported(metrics, misspelt.Single()));
    }

    [Fact]
    public void The_dashboard_is_an_importable_Grafana_dashboard_on_a_Prometheus_input()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Locate("grafana", "calljoin.json")));
        var root = json.RootElement;
        var input = Assert.Single(root.GetProperty("__inputs").EnumerateArray());
        Assert.Equal("DS_PROMETHEUS", input.GetProperty("name").GetString());
        Assert.Equal("prometheus", input.GetProperty("pluginId").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("title").GetString()));

        var panels = Panels(root).Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.True(panels.Count >= 12, $"the dashboard has {panels.Count} panels");
        Assert.Equal(Panels(root).Count(), Panels(root).Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString();
            Assert.Equal("${DS_PROMETHEUS}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel {title} has no query");
            Assert.All(targets, t => Assert.False(string.IsNullOrWhiteSpace(t.GetProperty("expr").GetString()), $"panel {title} has an empty query"));
            Assert.True(panel.TryGetProperty("gridPos", out _), $"panel {title} has no position");
        }
    }

    [Fact]
    public void Every_alert_rule_has_a_hold_time_a_severity_and_says_what_to_check()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Locate("prometheus", "alerts.yaml"))));
        var groups = (YamlSequenceNode)((YamlMappingNode)stream.Documents.Single().RootNode).Children["groups"];
        var rules = groups.Cast<YamlMappingNode>().SelectMany(g => (YamlSequenceNode)g.Children["rules"]).Cast<YamlMappingNode>().ToList();
        Assert.True(rules.Count >= 6, $"{rules.Count} rules");
        Assert.Equal(rules.Count, rules.Select(r => Scalar(r, "alert")).Distinct(StringComparer.Ordinal).Count());
        foreach (var rule in rules)
        {
            var alert = Scalar(rule, "alert");
            Assert.False(string.IsNullOrWhiteSpace(Scalar(rule, "expr")), $"{alert} has no expr");
            Assert.Matches(@"^\d+[smhd]$", Scalar(rule, "for"));
            Assert.Matches("^(warning|critical)$", Scalar((YamlMappingNode)rule.Children["labels"], "severity"));
            var annotations = (YamlMappingNode)rule.Children["annotations"];
            Assert.False(string.IsNullOrWhiteSpace(Scalar(annotations, "summary")), $"{alert} has no summary");
            Assert.True(Scalar(annotations, "description").Length > 80, $"{alert}'s description does not say what to check");
        }
    }

    /// <summary>Whether a sample of <paramref name="name"/> is exported, a histogram's series counting by the histogram's name.</summary>
    private static bool IsExported(string metrics, string name)
    {
        if (PrometheusText.Has(metrics, name))
        {
            return true;
        }

        var families = Families(metrics);
        var series = HistogramSeries.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal));
        var family = series is null ? name : name[..^series.Length];
        return families.GetValueOrDefault(family) == "histogram" && PrometheusText.Has(metrics, family + "_count");
    }

    /// <summary>Metric family names and types from the exposition's <c># TYPE</c> lines.</summary>
    private static Dictionary<string, string> Families(string metrics) =>
        metrics.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' '))
            .Where(p => p.Length >= 4).GroupBy(p => p[2], StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First()[3].Trim(), StringComparer.Ordinal);

    /// <summary>Every PromQL query of the dashboard: panel targets and variable queries, each with where it is.</summary>
    private static List<(string Where, string Expression)> DashboardExpressions(string text)
    {
        using var json = JsonDocument.Parse(text);
        var found = new List<(string, string)>();
        foreach (var panel in Panels(json.RootElement))
        {
            if (panel.TryGetProperty("targets", out var targets))
            {
                found.AddRange(targets.EnumerateArray().Select(t => ($"panel \"{panel.GetProperty("title").GetString()}\"", t.GetProperty("expr").GetString()!)));
            }
        }

        foreach (var variable in json.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            var query = variable.GetProperty("query");
            var queryText = query.ValueKind == JsonValueKind.Object ? query.GetProperty("query").GetString()! : query.GetString()!;
            found.Add(($"variable ${variable.GetProperty("name").GetString()}", queryText));
        }

        Assert.NotEmpty(found);
        return found;
    }

    /// <summary>Panels, rows' nested panels included.</summary>
    private static IEnumerable<JsonElement> Panels(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    private static List<(string Where, string Expression)> AlertExpressions(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var groups = (YamlSequenceNode)((YamlMappingNode)stream.Documents.Single().RootNode).Children["groups"];
        var found = groups.Cast<YamlMappingNode>().SelectMany(g => (YamlSequenceNode)g.Children["rules"]).Cast<YamlMappingNode>()
            .Select(r => ($"alert {Scalar(r, "alert")}", Scalar(r, "expr"))).ToList();
        Assert.NotEmpty(found);
        return found;
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value ?? "" : "";

    /// <summary>A file of <c>samples/</c>, found from the test binary's directory upward.</summary>
    private static string Locate(string folder, string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", folder, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"samples/{folder}/{fileName} not found above {AppContext.BaseDirectory}");
    }
}
