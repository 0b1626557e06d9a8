using CallJoin.Service.Metrics;
using CallJoin.Service.Settings;
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
        builder.Configuration.AddJsonFile("appsettings.json", optional: true);
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        builder.Configuration.AddEnvironmentVariables();
        var settings = ServiceSettingsLoader.Load(builder.Configuration);
        return Build(builder, settings, logging);
    }

    /// <summary>A host for given settings (the demo, tests); configuration files and the environment are not read.</summary>
    public static WebApplication ForSettings(ServiceSettings settings, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Environment.CurrentDirectory });
        builder.Configuration.Sources.Clear();
        return Build(builder, settings, logging);
    }

    /// <summary>Where a started host's endpoints answer on this machine (useful with port 0, any free port).</summary>
    public static Uri LocalAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("[::]", "0.0.0.0", StringComparison.Ordinal));
        var host = bound.Host is "0.0.0.0" ? "127.0.0.1" : bound.Host;   // every interface: loopback is one of them
        return new Uri($"http://{host}:{bound.Port}/");
    }

    private static WebApplication Build(WebApplicationBuilder builder, ServiceSettings settings, Action<ILoggingBuilder>? logging)
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
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("calljoin")).WithMetrics(metrics => metrics
            .AddMeter(CallJoinMetrics.MeterName)
            .AddView(instrument => instrument.Unit == "s" && instrument.Meter.Name == CallJoinMetrics.MeterName
                ? new ExplicitBucketHistogramConfiguration { Boundaries = [.. CallJoinMetrics.LatencyBuckets] }
                : null)
            .AddPrometheusExporter());

        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics");
        HealthEndpoints.Map(app, app.Services.GetRequiredService<CallJoinService>());
        return app;
    }
}
