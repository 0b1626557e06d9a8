using System.Text;

namespace CallJoin.Workload;

/// <summary>
/// Prose and base64 to fill strings of any length fast: slices of two fixed corpora copied into a buffer, so a large
/// payload costs about a memory copy. Immutable after construction; shared by every pass of a workload.
/// </summary>
internal sealed class TextSource
{
    private const int ProseBytes = 256 * 1024;
    private const int Base64Bytes = 96 * 1024;

    private static readonly string[] s_words =
    [
        "the", "model", "answer", "question", "context", "document", "user", "assistant", "token", "latency", "search",
        "result", "retrieval", "embedding", "vector", "prompt", "system", "function", "tool", "call", "trace", "span",
        "evaluation", "score", "dataset", "example", "accuracy", "response", "request", "summary", "customer", "order",
        "invoice", "refund", "policy", "account", "weather", "forecast", "temperature", "city", "report", "quarter",
        "revenue", "growth", "analysis", "chart", "table", "query", "database", "index", "cluster", "shard", "replica",
        "kafka", "topic", "partition", "offset", "consumer", "producer", "batch", "stream", "window", "join", "state",
        "is", "are", "was", "will", "can", "should", "could", "would", "has", "have", "not", "and", "or", "but", "with",
        "for", "from", "into", "about", "over", "under", "between", "after", "before", "while", "because", "so", "if",
        "please", "explain", "describe", "compare", "list", "find", "check", "update", "create", "delete", "return",
        "a", "an", "this", "that", "these", "those", "each", "every", "some", "many", "few", "more", "less", "most",
        "quickly", "carefully", "exactly", "roughly", "clearly", "briefly", "recent", "previous", "next", "final",
        "first", "second", "third", "new", "old", "large", "small", "fast", "slow", "correct", "wrong", "relevant",
        "2024", "2025", "42", "3.5", "100", "7", "v2", "GPU", "API", "JSON", "SQL", "HTTP", "p99", "ms", "KB", "MB",
    ];

    private static readonly string[] s_phrases =
    [
        "Grüße aus München — ", "¿Qué tal el clima en Málaga? ", "東京の天気はどうですか？ ", "Привет! ", "café ☕ ",
        "naïve façade déjà vu: ", "🚀 launch checklist: ", "Ελληνικά κείμενα ", "한국어 질문: ", "नमस्ते, ",
    ];

    private readonly byte[] _prose;
    private readonly byte[] _base64;
    private readonly byte[][] _phrases;

    public TextSource()
    {
        var random = new WorkloadRandom(0x7465787473);
        var prose = new StringBuilder(ProseBytes + 64);
        bool sentenceStart = true;
        while (prose.Length < ProseBytes)
        {
            var word = random.Pick(s_words);
            if (sentenceStart)
            {
                prose.Append(char.ToUpperInvariant(word[0])).Append(word, 1, word.Length - 1);
                sentenceStart = false;
            }
            else
            {
                prose.Append(word);
            }

            int mark = random.Next(100);
            if (mark < 7)
            {
                prose.Append(mark < 1 ? ".\n\n" : mark < 2 ? "? " : ". ");
                sentenceStart = true;
            }
            else
            {
                prose.Append(mark < 11 ? ", " : mark < 12 ? " \"" : " ");
            }
        }

        _prose = Encoding.ASCII.GetBytes(prose.ToString(0, ProseBytes));
        var bytes = new byte[Base64Bytes / 4 * 3];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)random.NextUInt64();
        }

        _base64 = Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes));
        _phrases = [.. s_phrases.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>Fills <paramref name="destination"/> with prose starting at a word, now and then opened by a non-ASCII phrase.</summary>
    /// <returns>How many bytes were written (the whole span, or less when the last phrase byte would split a character).</returns>
    public int FillProse(Span<byte> destination, WorkloadRandom random)
    {
        int written = 0;
        if (destination.Length >= 64 && random.Chance(0.05))
        {
            var phrase = random.Pick(_phrases);
            phrase.CopyTo(destination);
            written = phrase.Length;
        }

        while (written < destination.Length)
        {
            int offset = random.Next(_prose.Length - 64);
            int space = _prose.AsSpan(offset, 64).IndexOf((byte)' ');
            offset += space + 1;
            int length = Math.Min(destination.Length - written, _prose.Length - offset);
            _prose.AsSpan(offset, length).CopyTo(destination[written..]);
            written += length;
        }

        return written;
    }

    /// <summary>Fills <paramref name="destination"/> with base64 characters.</summary>
    public void FillBase64(Span<byte> destination, WorkloadRandom random)
    {
        int written = 0;
        while (written < destination.Length)
        {
            int offset = random.Next(_base64.Length / 2);
            int length = Math.Min(destination.Length - written, _base64.Length - offset);
            _base64.AsSpan(offset, length).CopyTo(destination[written..]);
            written += length;
        }
    }
}
