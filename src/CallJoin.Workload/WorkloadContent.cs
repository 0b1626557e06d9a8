using System.Text;

namespace CallJoin.Workload;

/// <summary>Fixed texts of generated calls: client attributes, models, prompts, exceptions, bad timestamps.</summary>
internal static class WorkloadContent
{
    /// <summary>attributes as Weave clients send them (raw JSON).</summary>
    public static readonly byte[][] Attributes =
    [
        Utf8("""{"weave":{"client_version":"0.51.56","source":"python-sdk","sys_version":"3.12.3 (main, Nov  6 2025, 13:44:16) [GCC 13.3.0]","os_name":"Linux","os_version":"#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024","os_release":"6.8.0-1021-aws"}}"""),
        Utf8("""{"weave":{"client_version":"0.51.56","source":"python-sdk","sys_version":"3.12.3 (main, Nov  6 2025, 13:44:16) [GCC 13.3.0]","os_name":"Linux","os_version":"#45-Ubuntu SMP PREEMPT_DYNAMIC Fri Aug 30 12:02:04 UTC 2024","os_release":"6.8.0-1021-aws"},"env":"production","release":"2026.01.3"}"""),
        Utf8("""{"weave":{"client_version":"0.52.1","source":"python-sdk","sys_version":"3.11.9 (main, Apr  2 2024, 08:25:04) [Clang 15.0.0 (clang-1500.3.9.4)]","os_name":"Darwin","os_version":"Darwin Kernel Version 24.1.0: Thu Oct 10 21:02:27 PDT 2024","os_release":"24.1.0"},"user_tier":"pro"}"""),
        Utf8("""{"weave":{"client_version":"0.9.4","source":"js-sdk"},"env":"staging"}"""),
    ];

    /// <summary>The index of the shortest <see cref="Attributes"/> (a JS client's).</summary>
    public const int ShortestAttributes = 3;

    /// <summary>An otel_dump of a call ingested through Weave's OpenTelemetry endpoint (raw JSON).</summary>
    public static readonly byte[] OtelDump = Utf8(
        """{"attributes":{"gen_ai.system":"openai","gen_ai.request.model":"gpt-4o-mini","gen_ai.usage.input_tokens":412,"gen_ai.usage.output_tokens":96},"resource":{"service.name":"support-bot","telemetry.sdk.language":"python","telemetry.sdk.name":"opentelemetry","telemetry.sdk.version":"1.29.0"},"kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_OK"}}""");

    /// <summary>OpenAI request models and the model their responses name.</summary>
    public static readonly (string Request, string Response)[] OpenAiModels =
    [
        ("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), ("gpt-4o", "gpt-4o-2024-08-06"), ("gpt-4.1", "gpt-4.1-2025-04-14"), ("o3-mini", "o3-mini-2025-01-31"),
    ];

    public static readonly string[] AnthropicModels = ["claude-3-5-sonnet-20241022", "claude-3-5-haiku-20241022", "claude-sonnet-4-20250514", "claude-3-7-sonnet-20250219"];

    public static readonly string[] SystemPrompts =
    [
        "You are a helpful assistant. Answer concisely and cite the documents you used.",
        "You are a customer support agent for Acme. Be polite, never invent order details, and escalate refunds over $500.",
        "You are a grader. Given a question, a reference answer and a model answer, reply with JSON {\"correct\": bool, \"reason\": str}.",
        "Summarize the following context for a busy engineer. Use bullet points.",
    ];

    public static readonly string[] Cities = ["Paris", "Tokyo", "São Paulo", "Berlin", "Lagos", "Toronto", "Sydney", "Zürich"];

    /// <summary>exception as Weave clients send it: the JSON text of the exception's type and message.</summary>
    public static readonly string[] Exceptions =
    [
        """{"type": "RateLimitError", "message": "Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o-mini in organization org-7Qx on tokens per min (TPM): Limit 200000, Used 199764, Requested 1288. Please try again in 315ms.', 'type': 'tokens', 'param': None, 'code': 'rate_limit_exceeded'}}"}""",
        """{"type": "APITimeoutError", "message": "Request timed out."}""",
        """{"type": "ValueError", "message": "could not parse tool arguments: Expecting ',' delimiter: line 1 column 37 (char 36)"}""",
        """{"type": "KeyError", "message": "'answer'"}""",
        """{"type": "InternalServerError", "message": "Error code: 529 - {'type': 'error', 'error': {'type': 'overloaded_error', 'message': 'Overloaded'}}"}""",
    ];

    /// <summary>Timestamps the parser must reject.</summary>
    public static readonly string[] BadTimestamps = ["yesterday", "2026-02-30T10:00:00Z", "1767225600123", "2026-01-01 25:00:00", "01/02/2026 10:00:00"];

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
