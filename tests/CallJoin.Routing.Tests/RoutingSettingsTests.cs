using CallJoin.Routing;
using CallJoin.Service.Reads;
using CallJoin.Service.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallJoin.Routing.Tests;

/// <summary>The routing keys: upstream names, ours winning over them, lists, validation, and a rejected reload.</summary>
public sealed class RoutingSettingsTests
{
    private static IConfigurationRoot Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Defaults_route_by_the_seed_plan_in_auto_mode()
    {
        var options = ServiceSettingsLoader.LoadRouting(Config());
        Assert.Equal(new RoutingOptions(), options);
        Assert.Equal(ProjectVersionMode.Auto, options.Mode);
        Assert.Null(options.Cutoff);
    }

    [Fact]
    public void Upstream_names_are_read()
    {
        var options = ServiceSettingsLoader.LoadRouting(Config(
            ("ENABLE_CALL_COMPLETION_WORKER", "false"), ("PROJECT_VERSION_MODE", "dual_write_read_merged"), ("MIGRATION_CUTOFF_DATE", "2025-03-01")));
        Assert.False(options.Enabled);
        Assert.Equal(ProjectVersionMode.DualWriteReadMerged, options.Mode);
        Assert.Equal(new DateOnly(2025, 3, 1), options.Cutoff);
    }

    [Fact]
    public void Our_keys_win_over_the_upstream_names()
    {
        var options = ServiceSettingsLoader.LoadRouting(Config(
            ("ENABLE_CALL_COMPLETION_WORKER", "false"), ("CallJoin:Routing:Enabled", "true"),
            ("PROJECT_VERSION_MODE", "off"), ("CallJoin:Routing:Mode", "FORCE_LEGACY"),
            ("MIGRATION_CUTOFF_DATE", "2025-03-01"), ("CallJoin:Routing:Cutoff", "2025-04-01")));
        Assert.True(options.Enabled);
        Assert.Equal(ProjectVersionMode.ForceLegacy, options.Mode);
        Assert.Equal(new DateOnly(2025, 4, 1), options.Cutoff);
    }

    [Fact]
    public void Project_lists_are_json_arrays_or_comma_separated()
    {
        var options = ServiceSettingsLoader.LoadRouting(Config(
            ("CallJoin:Routing:AllowProjects:0", "entity/a"), ("CallJoin:Routing:AllowProjects:1", " entity/b "),
            ("CallJoin:Routing:DenyProjects", "entity/c, entity/d,,"), ("CallJoin:Routing:RolloutPercent", "25"), ("CallJoin:Routing:ForceMerged", "on")));
        Assert.Equal(["entity/a", "entity/b"], options.AllowProjects.Order(StringComparer.Ordinal));
        Assert.Equal(["entity/c", "entity/d"], options.DenyProjects.Order(StringComparer.Ordinal));
        Assert.Equal(25, options.RolloutPercent);
        Assert.True(options.ForceMerged);
    }

    [Fact]
    public void Every_invalid_key_is_named()
    {
        var ex = Assert.Throws<SettingsException>(() => ServiceSettingsLoader.LoadRouting(Config(
            ("PROJECT_VERSION_MODE", "dual_write"), ("CallJoin:Routing:RolloutPercent", "150"), ("MIGRATION_CUTOFF_DATE", "03/01/2025"),
            ("CallJoin:Routing:StateRefreshInterval", "0"))));
        Assert.Contains("PROJECT_VERSION_MODE must be one of auto, force_legacy, dual_write_read_merged, dual_write_read_complete, off", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CallJoin:Routing:RolloutPercent", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MIGRATION_CUTOFF_DATE must be a date YYYY-MM-DD", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CallJoin:Routing:StateRefreshInterval must be above zero", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_reload_keeps_the_previous_routing_and_the_override_applies_on_top()
    {
        var config = Config(("CallJoin:Routing:RolloutPercent", "40"));
        using var monitor = new RoutingOptionsMonitor(ServiceSettingsLoader.LoadRouting(config), config, NullLogger<RoutingOptionsMonitor>.Instance);
        var changes = 0;
        monitor.Changed += (_, _) => changes++;

        config["CallJoin:Routing:RolloutPercent"] = "400";
        monitor.Reload();
        Assert.Equal(40, monitor.Current.RolloutPercent);
        Assert.Equal(0, changes);

        config["CallJoin:Routing:RolloutPercent"] = "60";
        monitor.Reload();
        Assert.Equal(60, monitor.Current.RolloutPercent);

        monitor.EmergencyOverride = true;
        Assert.True(monitor.Current.ForceMerged);
        config["CallJoin:Routing:RolloutPercent"] = "70";
        monitor.Reload();
        Assert.True(monitor.Current.ForceMerged);
        Assert.Equal(70, monitor.Current.RolloutPercent);
        monitor.EmergencyOverride = null;
        Assert.False(monitor.Current.ForceMerged);
        Assert.Equal(4, changes);
    }
}
