using System.Globalization;
using CallJoin.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CallJoin.Service.Reads;

/// <summary>
/// The read API: <c>GET /v1/route</c> explains a decision, <c>GET /v1/calls</c> returns calls as JSON lines read through
/// the router, <c>POST /v1/route/emergency?on=true|false|clear</c> flips the emergency switch of this instance.
/// </summary>
internal static class ReadEndpoints
{
    private const int DefaultLimit = 100;

    public static void Map(IEndpointRouteBuilder app, CallRouter router, RoutingOptionsMonitor monitor)
    {
        app.MapGet("/v1/route", async (HttpRequest request, CancellationToken ct) =>
        {
            if (!TryRange(request, out var project, out var after, out var before, out var error))
            {
                return Bad(error);
            }

            var decision = await router.RouteAsync(new RouteRequest(project, after, before), ct).ConfigureAwait(false);
            return Results.Json(Explain(decision, router, project, after, before));
        });

        app.MapGet("/v1/calls", async (HttpContext context, CancellationToken ct) =>
        {
            var request = context.Request;
            if (!TryRange(request, out var project, out var after, out var before, out var error)
                || !TryInt(request, "limit", DefaultLimit, 0, router.Options.MaxLimit, out var limit, out error)
                || !TryInt(request, "offset", 0, 0, int.MaxValue, out var offset, out error)
                || !TryOrder(request, out var descending, out error))
            {
                await Bad(error).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            var query = new CallQuery(project, after, before, Text(request, "op_name"), Text(request, "trace_id"), Text(request, "parent_id"), limit, offset, descending);
            var result = await router.ReadAsync(query, ct).ConfigureAwait(false);
            var response = context.Response;
            response.ContentType = "application/jsonl; charset=utf-8";
            response.Headers["X-CallJoin-Table"] = QueryRouter.Name(result.Table);
            response.Headers["X-CallJoin-Rule"] = QueryRouter.Name(result.FailedOver ? RouteRule.ReadFailover : result.Decision.Rule);
            response.Headers["X-CallJoin-Rows"] = result.Rows.ToString(CultureInfo.InvariantCulture);
            await response.Body.WriteAsync(result.Body, ct).ConfigureAwait(false);
        });

        app.MapPost("/v1/route/emergency", (HttpRequest request) =>
        {
            switch (request.Query["on"].ToString().ToLowerInvariant())
            {
                case "true" or "1" or "on":
                    monitor.EmergencyOverride = true;
                    break;
                case "false" or "0" or "off":
                    monitor.EmergencyOverride = false;
                    break;
                case "clear" or "":
                    monitor.EmergencyOverride = null;
                    break;
                default:
                    return Bad("on must be true, false or clear.");
            }

            return Results.Json(new { force_merged = monitor.Current.ForceMerged, @override = monitor.EmergencyOverride });
        });
    }

    private static object Explain(RouteDecision d, CallRouter router, string project, DateTime? after, DateTime? before)
    {
        var options = router.Options;
        var state = router.State;
        return new
        {
            project_id = project,
            started_after = after,
            started_before = before,
            table = QueryRouter.Name(d.Table),
            rule = QueryRouter.Name(d.Rule),
            reason = d.Reason,
            residence = d.Residence is { } r ? QueryRouter.Name(r) : null,
            mode = QueryRouter.Name(options.Mode),
            force_merged = options.ForceMerged,
            cutoff = options.Cutoff?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            rollout_percent = options.RolloutPercent,
            rollout_bucket = RolloutBucket.Of(project),
            state = new
            {
                loaded = state.IsLoaded,
                loaded_at = state.IsLoaded ? state.LoadedAt : (DateTimeOffset?)null,
                backfill_days = state.BackfillDays,
                mismatches = state.MismatchCount,
                oldest_legacy_day = state.OldestLegacyDay?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            },
        };
    }

    private static bool TryRange(HttpRequest request, out string project, out DateTime? after, out DateTime? before, out string error)
    {
        project = request.Query["project_id"].ToString();
        after = before = null;
        error = "";
        if (project.Length == 0)
        {
            error = "project_id is required.";
            return false;
        }

        return TryTime(request, "started_after", out after, ref error) && TryTime(request, "started_before", out before, ref error);
    }

    /// <summary>ISO-8601; without an offset it is UTC (as the trace server's timestamps).</summary>
    private static bool TryTime(HttpRequest request, string name, out DateTime? value, ref string error)
    {
        value = null;
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed.UtcDateTime;
            return true;
        }

        error = $"{name} must be an ISO-8601 timestamp, got '{text}'.";
        return false;
    }

    private static bool TryInt(HttpRequest request, string name, int fallback, int min, int max, out int value, out string error)
    {
        error = "";
        value = fallback;
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        error = $"{name} must be a whole number from {min} to {max}, got '{text}'.";
        return false;
    }

    private static bool TryOrder(HttpRequest request, out bool descending, out string error)
    {
        error = "";
        var text = request.Query["order"].ToString();
        descending = string.Equals(text, "desc", StringComparison.OrdinalIgnoreCase);
        if (text.Length == 0 || descending || string.Equals(text, "asc", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        error = $"order must be asc or desc, got '{text}'.";
        return false;
    }

    private static string? Text(HttpRequest request, string name) => request.Query[name].ToString() is { Length: > 0 } v ? v : null;

    private static IResult Bad(string error) => Results.Json(new { error }, statusCode: 400);
}
