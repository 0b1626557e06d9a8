using CallJoin.Routing;
using CallJoin.Service.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace CallJoin.Service.Reads;

/// <summary>
/// The routing options in force: read again whenever the configuration reloads (a JSON file added with
/// <c>reloadOnChange</c>), plus the emergency override of <c>POST /v1/route/emergency</c>. The router asks it on every
/// decision, so a rollback applies to the next read without a restart.
/// </summary>
/// <remarks>
/// Thread-safe: the options are an immutable record swapped atomically. An invalid reload is logged and ignored (the
/// previous options stay). The override lives in this process only; the configuration key is the durable switch.
/// </remarks>
public sealed class RoutingOptionsMonitor : IDisposable
{
    private readonly IConfiguration? _config;
    private readonly ILogger _log;
    private readonly IDisposable? _subscription;
    private volatile RoutingOptions _configured;
    private volatile StrongBox? _emergency;

    public RoutingOptionsMonitor(RoutingOptions initial, IConfiguration? config, ILogger<RoutingOptionsMonitor> log)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(log);
        _configured = initial;
        _config = config;
        _log = log;
        _subscription = config is null ? null : ChangeToken.OnChange(config.GetReloadToken, Reload);
    }

    /// <summary>Raised after the options in force changed (a reload or the override).</summary>
    public event EventHandler? Changed;

    /// <summary>The options in force now: the configured ones with the emergency override applied.</summary>
    public RoutingOptions Current => _emergency is { } e ? _configured with { ForceMerged = e.Value } : _configured;

    /// <summary>The emergency override: true forces calls_merged, false forces it off, null leaves it to the configuration.</summary>
    public bool? EmergencyOverride
    {
        get => _emergency?.Value;
        set
        {
            _emergency = value is { } v ? new StrongBox(v) : null;
            Log.RoutingEmergency(_log, value?.ToString() ?? "cleared", Current.ForceMerged);
            Changed?.Invoke(this, EventArgs.Empty);
        }
    }

    /// <summary>Reads the routing keys again (called on every configuration reload).</summary>
    public void Reload()
    {
        if (_config is null)
        {
            return;
        }

        try
        {
            var next = ServiceSettingsLoader.LoadRouting(_config);
            if (next == _configured)
            {
                return;
            }

            _configured = next;
            Log.RoutingReloaded(_log, next.ForceMerged, next.Enabled, QueryRouter.Name(next.Mode), next.Cutoff?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "none", next.RolloutPercent);
            Changed?.Invoke(this, EventArgs.Empty);
        }
        catch (SettingsException ex)
        {
            Log.RoutingReloadRejected(_log, ex.Message);
        }
    }

    public void Dispose() => _subscription?.Dispose();

    /// <summary>A boxed flag, so the override swaps atomically with its presence.</summary>
    private sealed record StrongBox(bool Value);
}
