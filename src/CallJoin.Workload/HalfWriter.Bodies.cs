using System.Runtime.CompilerServices;

namespace CallJoin.Workload;

internal sealed partial class HalfWriter
{
    // Bytes a message still gets after its main text: the rest of inputs/output and the fields after it.
    private const int StartTail = 180;
    private const int EndTail = 260;

    /// <summary>The members of inputs, by op; the main text is sized to the start's planned bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteInputs()
    {
        var call = _call;
        var json = _json;
        int target = call.StartBytes;
        switch (call.Op)
        {
            case OpKind.OpenAiChat:
                var (model, _) = WorkloadContent.OpenAiModels[_traits.Model];
                json.WriteStartArray("messages"u8);
                WriteMessage("system"u8, _random.Pick(WorkloadContent.SystemPrompts));
                json.WriteStartObject();
                json.WriteString("role"u8, "user"u8);
                if (target > 100_000 && _traits.Variant == 0 && (call.Index & 1) == 0)
                {
                    // A vision request: a short question and a large inline image.
                    json.WriteStartArray("content"u8);
                    json.WriteStartObject();
                    json.WriteString("type"u8, "text"u8);
                    WriteProse("text"u8, 80);
                    json.WriteEndObject();
                    json.WriteStartObject();
                    json.WriteString("type"u8, "image_url"u8);
                    json.WriteStartObject("image_url"u8);
                    WriteImageUrl(Budget(target, StartTail + 40, 64));
                    json.WriteString("detail"u8, "high"u8);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    json.WriteEndArray();
                }
                else
                {
                    WriteProse("content"u8, Budget(target, StartTail + 90, 24));
                }

                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteString("model"u8, model);
                json.WriteNumber("temperature"u8, 0.2 + (_traits.Model * 0.2));
                json.WriteNumber("max_tokens"u8, 1024);
                json.WriteBoolean("stream"u8, false);
                break;
            case OpKind.AnthropicMessages:
                json.WriteString("model"u8, WorkloadContent.AnthropicModels[_traits.Model]);
                json.WriteNumber("max_tokens"u8, 2048);
                json.WriteString("system"u8, _random.Pick(WorkloadContent.SystemPrompts));
                json.WriteStartArray("messages"u8);
                json.WriteStartObject();
                json.WriteString("role"u8, "user"u8);
                WriteProse("content"u8, Budget(target, StartTail + 40, 24));
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteNumber("temperature"u8, 0.7);
                break;
            case OpKind.Embedding:
                json.WriteStartArray("input"u8);
                WriteProseValue(Budget(target, StartTail + 60, 24));
                json.WriteEndArray();
                json.WriteString("model"u8, "text-embedding-3-small"u8);
                json.WriteString("encoding_format"u8, "float"u8);
                break;
            case OpKind.Retrieve:
                WriteSelf(CatalogObject.VectorStore);
                WriteProse("query"u8, Budget(target, StartTail + 10, 16));
                json.WriteNumber("k"u8, 5);
                break;
            case OpKind.Rerank:
                WriteProse("query"u8, 48);
                json.WriteStartArray("documents"u8);
                int documents = 3 + _random.Next(3);
                int each = Budget(target, StartTail + 20, 16 * documents) / documents;
                for (int i = 0; i < documents; i++)
                {
                    WriteProseValue(each);
                }

                json.WriteEndArray();
                json.WriteNumber("top_n"u8, 3);
                break;
            case OpKind.Tool:
                WriteToolInputs(target);
                break;
            case OpKind.AgentRun:
                WriteSelf(CatalogObject.SupportAgent);
                WriteProse("user_input"u8, Budget(target, StartTail + 20, 24));
                json.WriteNumber("max_steps"u8, 10);
                break;
            case OpKind.AgentStep:
                WriteSelf(CatalogObject.SupportAgent);
                json.WriteNumber("step"u8, call.Ordinal + 1);
                json.WriteStartObject("state"u8);
                json.WriteStartArray("messages"u8);
                json.WriteStartObject();
                json.WriteString("role"u8, "user"u8);
                WriteProse("content"u8, Budget(target, StartTail + 10, 24));
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
                break;
            case OpKind.RagPipeline:
            case OpKind.ModelPredict:
                WriteSelf(call.Op == OpKind.RagPipeline ? CatalogObject.RagModel : CatalogObject.QAModel);
                WriteProse("question"u8, Budget(target, StartTail, 24));
                break;
            case OpKind.ChatTurn:
                WriteSelf(CatalogObject.ChatBot);
                json.WriteString("prompt"u8, _catalog.ObjectRef(call.Project, CatalogObject.Prompt));
                WriteProse("message"u8, Budget(target, StartTail, 24));
                break;
            case OpKind.Evaluation:
                WriteSelf(CatalogObject.Evaluation);
                json.WriteString("model"u8, _catalog.ObjectRef(call.Project, CatalogObject.QAModel));
                WriteProse("description"u8, Budget(target, StartTail, 24));
                break;
            case OpKind.PredictAndScore:
                WriteSelf(CatalogObject.Evaluation);
                json.WriteString("model"u8, _catalog.ObjectRef(call.Project, CatalogObject.QAModel));
                json.WriteStartObject("example"u8);
                WriteRowRef("row"u8, CatalogObject.Dataset);
                WriteProse("expected"u8, 32);
                WriteProse("question"u8, Budget(target, StartTail + 10, 24));
                json.WriteEndObject();
                break;
            default:
                if (_traits.Variant == 1)
                {
                    WriteSelf(CatalogObject.HallucinationFreeScorer);
                }

                WriteProse("expected"u8, 40);
                WriteProse("output"u8, Budget(target, StartTail, 24));
                break;
        }
    }

    private void WriteToolInputs(int target)
    {
        var json = _json;
        switch (_traits.Variant)
        {
            case 0:
                WriteProse("query"u8, Budget(target, StartTail, 16));
                json.WriteNumber("max_results"u8, 5);
                break;
            case 1:
                json.WriteString("city"u8, _random.Pick(WorkloadContent.Cities));
                json.WriteString("units"u8, "metric"u8);
                WriteProse("details"u8, Budget(target, StartTail, 16));
                break;
            case 2:
                WriteProse("sql"u8, Budget(target, StartTail, 16));
                json.WriteNumber("timeout_s"u8, 30);
                break;
            case 3:
                json.WriteString("order_id"u8, $"ORD-{_call.Index % 100_000:D5}");
                WriteProse("notes"u8, Budget(target, StartTail, 16));
                break;
            default:
                json.WriteString("to"u8, "customer@example.com"u8);
                WriteProse("subject"u8, 40);
                WriteProse("body"u8, Budget(target, StartTail, 16));
                break;
        }
    }

    /// <summary>The output value, by op; the main text is sized to the end's planned bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteOutput()
    {
        var call = _call;
        var json = _json;
        int target = call.EndBytes;
        switch (call.Op)
        {
            case OpKind.OpenAiChat:
                var (_, model) = WorkloadContent.OpenAiModels[_traits.Model];
                json.WriteStartObject();
                json.WriteString("id"u8, $"chatcmpl-{call.ContentSeed:x16}{call.Index:x8}");
                json.WriteStartArray("choices"u8);
                json.WriteStartObject();
                json.WriteString("finish_reason"u8, "stop"u8);
                json.WriteNumber("index"u8, 0);
                json.WriteNull("logprobs"u8);
                json.WriteStartObject("message"u8);
                WriteProse("content"u8, Budget(target, EndTail + 520, 16));
                json.WriteNull("refusal"u8);
                json.WriteString("role"u8, "assistant"u8);
                json.WriteStartArray("annotations"u8);
                json.WriteEndArray();
                json.WriteNull("audio"u8);
                json.WriteNull("function_call"u8);
                json.WriteNull("tool_calls"u8);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteNumber("created"u8, call.EndedAtMicros / MicrosPerSecond);
                json.WriteString("model"u8, model);
                json.WriteString("object"u8, "chat.completion"u8);
                json.WriteString("service_tier"u8, "default"u8);
                json.WriteString("system_fingerprint"u8, $"fp_{call.ContentSeed >> 24:x10}");
                json.WriteStartObject("usage"u8);
                json.WriteNumber("completion_tokens"u8, _traits.CompletionTokens);
                json.WriteNumber("prompt_tokens"u8, _traits.PromptTokens);
                json.WriteNumber("total_tokens"u8, _traits.PromptTokens + _traits.CompletionTokens);
                json.WriteStartObject("completion_tokens_details"u8);
                json.WriteNumber("accepted_prediction_tokens"u8, 0);
                json.WriteNumber("audio_tokens"u8, 0);
                json.WriteNumber("reasoning_tokens"u8, _traits.Model == 3 ? _traits.CompletionTokens / 2 : 0);
                json.WriteNumber("rejected_prediction_tokens"u8, 0);
                json.WriteEndObject();
                json.WriteStartObject("prompt_tokens_details"u8);
                json.WriteNumber("audio_tokens"u8, 0);
                json.WriteNumber("cached_tokens"u8, 0);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case OpKind.AnthropicMessages:
                json.WriteStartObject();
                json.WriteString("id"u8, $"msg_01{call.ContentSeed:x16}{call.Index:x6}");
                json.WriteStartArray("content"u8);
                json.WriteStartObject();
                json.WriteNull("citations"u8);
                WriteProse("text"u8, Budget(target, EndTail + 300, 16));
                json.WriteString("type"u8, "text"u8);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteString("model"u8, WorkloadContent.AnthropicModels[_traits.Model]);
                json.WriteString("role"u8, "assistant"u8);
                json.WriteString("stop_reason"u8, "end_turn"u8);
                json.WriteNull("stop_sequence"u8);
                json.WriteString("type"u8, "message"u8);
                json.WriteStartObject("usage"u8);
                json.WriteNumber("cache_creation_input_tokens"u8, 0);
                json.WriteNumber("cache_read_input_tokens"u8, 0);
                json.WriteNumber("input_tokens"u8, _traits.PromptTokens);
                json.WriteNumber("output_tokens"u8, _traits.CompletionTokens);
                json.WriteString("service_tier"u8, "standard"u8);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case OpKind.Embedding:
                json.WriteStartObject();
                json.WriteStartArray("data"u8);
                json.WriteStartObject();
                json.WriteStartArray("embedding"u8);
                for (int i = Math.Max(8, Budget(target, EndTail + 150, 0) / 10); i > 0; i--)
                {
                    json.WriteNumberValue(Math.Round((_random.NextDouble() - 0.5) * 0.2, 6));
                }

                json.WriteEndArray();
                json.WriteNumber("index"u8, 0);
                json.WriteString("object"u8, "embedding"u8);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteString("model"u8, "text-embedding-3-small"u8);
                json.WriteString("object"u8, "list"u8);
                json.WriteStartObject("usage"u8);
                json.WriteNumber("prompt_tokens"u8, _traits.PromptTokens);
                json.WriteNumber("total_tokens"u8, _traits.PromptTokens);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case OpKind.Retrieve:
            case OpKind.Rerank:
                int documents = 3 + _random.Next(3);
                int each = Budget(target, EndTail + (documents * 150), 16 * documents) / documents;
                json.WriteStartArray();
                for (int i = 0; i < documents; i++)
                {
                    json.WriteStartObject();
                    if (call.Op == OpKind.Rerank)
                    {
                        json.WriteNumber("index"u8, _random.Next(documents));
                        json.WriteNumber("relevance_score"u8, Math.Round(0.99 - (i * 0.13) - (_random.NextDouble() * 0.05), 4));
                    }
                    else
                    {
                        json.WriteString("id"u8, $"doc-{_random.Next(1_000_000)}");
                        WriteRowRef("ref"u8, CatalogObject.Document);
                        json.WriteNumber("score"u8, Math.Round(0.95 - (i * 0.07), 3));
                    }

                    WriteProse("text"u8, each);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                break;
            case OpKind.Tool:
            case OpKind.ChatTurn:
                WriteProseValue(Budget(target, EndTail, 16));
                break;
            case OpKind.AgentRun:
                json.WriteStartObject();
                WriteProse("answer"u8, Budget(target, EndTail + 40, 16));
                json.WriteNumber("steps"u8, 2 + _random.Next(5));
                json.WriteString("status"u8, "completed"u8);
                json.WriteEndObject();
                break;
            case OpKind.AgentStep:
                json.WriteStartObject();
                bool final = _random.Chance(0.3);
                json.WriteString("action"u8, final ? "final"u8 : "tool_call"u8);
                if (!final)
                {
                    json.WriteString("tool"u8, WorkloadCatalog.PlainOpName(OpKind.Tool, _random.Next(WorkloadCatalog.OpVariants(OpKind.Tool))));
                }

                WriteProse("content"u8, Budget(target, EndTail, 16));
                json.WriteEndObject();
                break;
            case OpKind.RagPipeline:
            case OpKind.ModelPredict:
                json.WriteStartObject();
                WriteProse("answer"u8, Budget(target, EndTail + 200, 16));
                json.WriteStartArray("sources"u8);
                json.WriteStringValue(_catalog.ObjectRef(call.Project, CatalogObject.Document));
                json.WriteEndArray();
                json.WriteEndObject();
                break;
            case OpKind.Evaluation:
                json.WriteStartObject();
                json.WriteStartObject("correctness_scorer"u8);
                json.WriteStartObject("correct"u8);
                int trials = 2 + _random.Next(7);
                int passed = _random.Next(trials + 1);
                json.WriteNumber("true_count"u8, passed);
                json.WriteNumber("true_fraction"u8, Math.Round((double)passed / trials, 4));
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteStartObject("model_latency"u8);
                json.WriteNumber("mean"u8, Math.Round(0.5 + (_random.NextDouble() * 4), 4));
                json.WriteEndObject();
                WriteProse("notes"u8, Budget(target, EndTail, 16));
                json.WriteEndObject();
                break;
            case OpKind.PredictAndScore:
                json.WriteStartObject();
                json.WriteStartObject("output"u8);
                WriteProse("answer"u8, Budget(target, EndTail + 130, 16));
                json.WriteEndObject();
                json.WriteStartObject("scores"u8);
                json.WriteStartObject("correctness_scorer"u8);
                json.WriteBoolean("correct"u8, _random.Chance(0.7));
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteNumber("model_latency"u8, Math.Round(0.3 + (_random.NextDouble() * 5), 4));
                json.WriteEndObject();
                break;
            default:
                json.WriteStartObject();
                json.WriteBoolean("correct"u8, _random.Chance(0.7));
                WriteProse("reason"u8, Budget(target, EndTail, 16));
                json.WriteEndObject();
                break;
        }
    }

    /// <summary>The summary's members: token usage per model for model calls (and, roughly, for the calls above them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteSummary()
    {
        var call = _call;
        if (call.Fails || call.Op is OpKind.Tool or OpKind.Retrieve or OpKind.Rerank)
        {
            return;
        }

        var json = _json;
        json.WriteStartObject("usage"u8);
        if (call.Op == OpKind.AnthropicMessages)
        {
            json.WriteStartObject(WorkloadContent.AnthropicModels[_traits.Model]);
            json.WriteNumber("requests"u8, 1);
            json.WriteNumber("input_tokens"u8, _traits.PromptTokens);
            json.WriteNumber("output_tokens"u8, _traits.CompletionTokens);
            json.WriteNumber("total_tokens"u8, _traits.PromptTokens + _traits.CompletionTokens);
            json.WriteEndObject();
        }
        else
        {
            var model = call.Op == OpKind.Embedding ? "text-embedding-3-small" : WorkloadContent.OpenAiModels[_traits.Model].Response;
            int requests = call.Op is OpKind.OpenAiChat or OpKind.Embedding ? 1 : 1 + _random.Next(6);
            int completion = call.Op == OpKind.Embedding ? 0 : _traits.CompletionTokens * requests;
            json.WriteStartObject(model);
            json.WriteNumber("requests"u8, requests);
            json.WriteNumber("prompt_tokens"u8, _traits.PromptTokens * requests);
            json.WriteNumber("completion_tokens"u8, completion);
            json.WriteNumber("total_tokens"u8, (_traits.PromptTokens * requests) + completion);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private void WriteMessage(ReadOnlySpan<byte> role, string content)
    {
        _json.WriteStartObject();
        _json.WriteString("role"u8, role);
        _json.WriteString("content"u8, content);
        _json.WriteEndObject();
    }

    private void WriteSelf(CatalogObject kind) => _json.WriteString("self"u8, _catalog.ObjectRef(_call.Project, kind));

    /// <summary>A ref to one row of an object: <c>…/object/Name:digest/attr/rows/id/&lt;hex&gt;</c>.</summary>
    private void WriteRowRef(ReadOnlySpan<byte> name, CatalogObject kind)
    {
        var reference = _catalog.ObjectRef(_call.Project, kind);
        var suffix = "/attr/rows/id/"u8;
        Span<byte> text = stackalloc byte[reference.Length + suffix.Length + 16];
        reference.CopyTo(text);
        suffix.CopyTo(text[reference.Length..]);
        ulong row = _random.NextUInt64();
        for (int i = text.Length - 1; i >= reference.Length + suffix.Length; i--)
        {
            text[i] = "0123456789abcdef"u8[(int)(row & 0xF)];
            row >>= 4;
        }

        _json.WriteString(name, text);
    }
}
