using CallJoin.Routing;
using Microsoft.Extensions.Hosting;

namespace CallJoin.Service.Reads;

/// <summary>Keeps the router's migration state fresh (backfill_progress, migration_validation) for the host's lifetime.</summary>
internal sealed class RoutingStateService(CallRouter router) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => router.RunRefreshLoopAsync(stoppingToken);
}
