using System.Collections.Frozen;
using System.Globalization;
using CallJoin.Routing;
using Microsoft.Extensions.Configuration;

namespace CallJoin.Service.Settings;

/// <summary>The query router's keys: <c>CallJoin:Routing:*</c> and the upstream names.</summary>
public sealed partial class ServiceSettingsLoader
{
    /// <summary>Reads only the routing configuration (a reload: the rest of the service keeps its settings).</summary>
    /// <exception cref="SettingsException">A routing key is invalid; the running configuration stays in force.</exception>
    public static RoutingOptions LoadRouting(IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var loader = new ServiceSettingsLoader(config);
        var options = loader.BuildRouting();
        if (loader._problems.Count > 0)
        {
            throw new SettingsException("Invalid routing configuration:" + Environment.NewLine + string.Join(Environment.NewLine, loader._problems.Select(p => " - " + p)));
        }

        return options;
    }

    private RoutingOptions BuildRouting()
    {
        // Our keys win over the upstream names, so a JSON file (reloadable) can override what the environment set.
        var enabled = Bool("CallJoin:Routing:Enabled", Bool("ENABLE_CALL_COMPLETION_WORKER", true));
        return new RoutingOptions
        {
            Enabled = enabled,
            ForceMerged = Bool("CallJoin:Routing:ForceMerged", false),
            Mode = Mode(_config["CallJoin:Routing:Mode"] is { Length: > 0 } ? "CallJoin:Routing:Mode" : "PROJECT_VERSION_MODE"),
            Cutoff = Date(_config["CallJoin:Routing:Cutoff"] is { Length: > 0 } ? "CallJoin:Routing:Cutoff" : "MIGRATION_CUTOFF_DATE"),
            AllowProjects = Projects("CallJoin:Routing:AllowProjects"),
            DenyProjects = Projects("CallJoin:Routing:DenyProjects"),
            RolloutPercent = Int("CallJoin:Routing:RolloutPercent", 100, 0, 100),
            FailoverOnError = Bool("CallJoin:Routing:FailoverOnError", true),
            StateRefreshInterval = Positive("CallJoin:Routing:StateRefreshInterval", TimeSpan.FromSeconds(30)),
            ResidenceCacheTtl = Duration("CallJoin:Routing:ResidenceCacheTtl", TimeSpan.FromMinutes(5)),
            MaxLimit = Int("CallJoin:Routing:MaxLimit", 10_000, 1, 1_000_000),
        };
    }

    private ProjectVersionMode Mode(string key)
    {
        var text = _config[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return ProjectVersionMode.Auto;
        }

        foreach (var mode in Enum.GetValues<ProjectVersionMode>())
        {
            if (string.Equals(QueryRouter.Name(mode), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return mode;
            }
        }

        _problems.Add($"{key} must be one of {string.Join(", ", Enum.GetValues<ProjectVersionMode>().Select(m => QueryRouter.Name(m)))}, got '{text}'.");
        return ProjectVersionMode.Auto;
    }

    private DateOnly? Date(string key)
    {
        var text = _config[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return day;
        }

        _problems.Add($"{key} must be a date YYYY-MM-DD, got '{text}'.");
        return null;
    }

    /// <summary>A JSON array (<c>["a","b"]</c>) or a comma-separated value (<c>a,b</c>, the environment's form).</summary>
    private FrozenSet<string> Projects(string key)
    {
        var section = _config.GetSection(key);
        var items = section.Value is { } joined
            ? joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value?.Trim()).OfType<string>().Where(v => v.Length > 0);
        return items.ToFrozenSet(StringComparer.Ordinal);
    }

    private TimeSpan Positive(string key, TimeSpan fallback)
    {
        var value = Duration(key, fallback);
        if (value <= TimeSpan.Zero)
        {
            _problems.Add($"{key} must be above zero.");
            return fallback;
        }

        return value;
    }
}
