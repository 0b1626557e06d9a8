using System.Diagnostics.Metrics;
using CallJoin.Routing;
using CallJoin.Service.Metrics;
using CallJoin.Service.Reads;
using CallJoin.Service.Settings;
using ClickHouse.Driver;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace CallJoin.Service.Hosting;

/// <summary>Builds the service's host: Kestrel for <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c>, and the service itself.</summary>
public static class CallJoinHost
{
    /// <summary>
    /// A host configured from <c>appsettings.json</c> (optional, in the working directory), <paramref name="configFile"/>
    /// (optional) and environment variables, in that order of precedence (last wins).
    /// </summary>
    /// <exception cref="SettingsException">The configuration is invalid.</exception>
    public static WebApplication FromConfiguration(string? configFile = null, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Environment.CurrentDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddJsonFile("appsettings.json", optional: true, reloadOnChange: true);
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: true);
        }

        builder.Configuration.AddEnvironmentVariables();
        var settings = ServiceSettingsLoader.Load(builder.Configuration);
        return Build(builder, settings, logging, builder.Configuration);
    }

    /// <summary>A host for given settings (the demo, tests); configuration files and the environment are not read.</summary>
    public static WebApplication ForSettings(ServiceSettings settings, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Environment.CurrentDirectory });
        builder.Configuration.Sources.Clear();
        return Build(builder, settings, logging, reloadFrom: null);
    }

    /// <summary>Where a started host's endpoints answer on this machine (useful with port 0, any free port).</summary>
    public static Uri LocalAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "[::1]", StringComparison.Ordinal));

        // Every interface: loopback is one of them. Bound on IPv6's any address, the IPv6 loopback is surely ours; the
        // same port on IPv4's loopback may belong to another process.
        var host = bound.Host is "0.0.0.0" ? "127.0.0.1" : bound.Host;
        return new Uri($"http://{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host)}:{bound.Port}/");
    }

    /// <param name="reloadFrom">Configuration whose reloads change the routing options (JSON files reload on change); null: fixed.</param>
    private static WebApplication Build(WebApplicationBuilder builder, ServiceSettings settings, Action<ILoggingBuilder>? logging, IConfiguration? reloadFrom)
    {
        builder.WebHost.UseKestrel(k =>
        {
            if (settings.HttpAddress is { } address)
            {
                k.Listen(address, settings.HttpPort);
            }
            else
            {
                k.ListenAnyIP(settings.HttpPort);
            }
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        if (string.Equals(builder.Configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase))
        {
            // One JSON object per line, with the message template's named values as fields.
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.DrainTimeout + TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<CallJoinMetrics>();
        builder.Services.AddSingleton(sp => new CallJoinService(settings, sp.GetRequiredService<CallJoinMetrics>(), sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddHostedService<CallJoinHostedService>();
        AddReads(builder.Services, settings, reloadFrom);
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("calljoin")).WithMetrics(metrics => metrics
            .AddMeter(CallJoinMetrics.MeterName)
            .AddView(instrument => instrument.Unit == "s" && instrument.Meter.Name == CallJoinMetrics.MeterName
                ? new ExplicitBucketHistogramConfiguration { Boundaries = [.. CallJoinMetrics.LatencyBuckets] }
                : null)
            .AddPrometheusExporter());

        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        HealthEndpoints.Map(app, app.Services.GetRequiredService<CallJoinService>());
        ReadEndpoints.Map(app, app.Services.GetRequiredService<CallRouter>(), app.Services.GetRequiredService<RoutingOptionsMonitor>());
        return app;
    }

    /// <summary>The read API: routing options (reloadable), the router on its own ClickHouse client, its state refresh.</summary>
    private static void AddReads(IServiceCollection services, ServiceSettings settings, IConfiguration? reloadFrom)
    {
        services.AddSingleton(sp => new RoutingOptionsMonitor(settings.Routing, reloadFrom, sp.GetRequiredService<ILogger<RoutingOptionsMonitor>>()));
        services.AddSingleton(sp => new RoutingMetrics(sp.GetRequiredService<IMeterFactory>().Create(CallJoinMetrics.MeterName)));
        services.AddSingleton(_ => new ReadClient(new ClickHouseClient(settings.ClickHouse.ConnectionString)));
        services.AddSingleton(sp =>
        {
            var monitor = sp.GetRequiredService<RoutingOptionsMonitor>();
            return new CallRouter(sp.GetRequiredService<ReadClient>().Client, settings.ClickHouse.Database, () => monitor.Current,
                sp.GetRequiredService<RoutingMetrics>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("CallJoin.Routing"));
        });
        services.AddHostedService<RoutingStateService>();
    }
}
