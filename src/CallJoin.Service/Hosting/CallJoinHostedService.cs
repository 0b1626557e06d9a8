using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CallJoin.Service.Hosting;

/// <summary>
/// Runs <see cref="CallJoinService"/> under the Generic Host: startup (migration retries included) runs in the
/// background so the health endpoints answer meanwhile; a fatal error stops the host with exit code 1.
/// </summary>
internal sealed class CallJoinHostedService(CallJoinService service, IHostApplicationLifetime lifetime, ILogger<CallJoinHostedService> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await service.StartAsync(stoppingToken).ConfigureAwait(false);
            await service.Completion.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;   // a normal shutdown: StopAsync drains
        }
#pragma warning disable CA1031 // Whatever stops the service stops the process, with a non-zero exit code.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.Failed(log, ex);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await service.StopAsync(cancellationToken).ConfigureAwait(false);
    }
}
