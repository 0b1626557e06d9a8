using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CallJoin.Service.Hosting;

/// <summary>
/// <c>/healthz</c> (liveness: the service has not failed) and <c>/readyz</c> (readiness: migrated, consuming, and
/// ClickHouse keeping up and not failing), each with a small JSON body saying why: counts and error codes
/// (<see cref="HealthErrorCode"/>), never exception text.
/// </summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app, CallJoinService service)
    {
        app.MapGet("/healthz", () => service.IsHealthy
            ? Results.Json(new { status = "ok" })
            : Results.Json(new { status = "failed", error = HealthErrorCode.Of(service.Completion.Exception) }, statusCode: 503));

        app.MapGet("/readyz", () =>
        {
            var sink = service.Sink;
            var ingest = service.Ingest;
            // A state checkpoint pauses reading briefly while ClickHouse confirms the rows before it: not backpressure.
            var behind = ingest?.IsPaused == true && !service.IsCheckpointing;
            var sinkFailing = sink?.IsFailing == true;
            var lookupsFailing = service.LookupsFailing;
            var ready = service.IsReady && service.IsHealthy && !behind && !sinkFailing && !lookupsFailing;
            var body = new
            {
                status = ready ? "ready" : "not ready",
                started = service.IsReady,
                enabled = service.Settings.Enabled,
                paused = behind,
                sinkFailing,
                lookupsFailing,
                lookupsPending = service.Snapshot.LookupsPending,
                consumed = ingest?.ConsumedCount ?? 0,
                lag = ingest?.Lag.Sum(l => l.Messages) ?? 0,
                partitions = ingest?.Assignment.StartPartitions ?? [],
                rows = sink?.InsertedRows ?? 0,
                bufferedBytes = sink?.BufferedBytes ?? 0,
                migrationError = HealthErrorCode.Of(service.LastMigrationError),
                lastSinkError = HealthErrorCode.Of(sink?.LastTransientError),
            };
            return Results.Json(body, statusCode: ready ? 200 : 503);
        });
    }
}
