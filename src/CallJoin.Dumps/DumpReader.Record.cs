using System.Text;
using System.Text.Json;
using CallJoin.Core.Bytes;

namespace CallJoin.Dumps;

/// <summary>The current record's fields and the parsing of one line into them.</summary>
public sealed partial class DumpReader
{
    private static readonly KeyValuePair<string, string?>[] s_noHeaders = [];

    private readonly Utf8StringCache _names = new(32);
    private readonly List<KeyValuePair<string, string?>> _headers = [];
    private byte[] _keyScratch = new byte[256];
    private byte[] _payloadScratch = new byte[4096];
    private byte[] _stringScratch = new byte[256];
    private ValueBytes _key;
    private ValueBytes _payload;

    private enum Field
    {
        Other,
        Topic,
        Partition,
        Offset,
        TimestampType,
        Timestamp,
        Broker,
        Headers,
        Key,
        Payload,
    }

    [Flags]
    private enum Seen
    {
        None = 0,
        Topic = 1,
        Partition = 2,
        Offset = 4,
        TimestampType = 8,
        Timestamp = 16,
    }

    /// <summary>The current record's topic; the same string instance for every record of a topic.</summary>
    public string Topic { get; private set; } = "";

    /// <summary>The current record's partition.</summary>
    public int Partition { get; private set; }

    /// <summary>The current record's offset.</summary>
    public long Offset { get; private set; }

    /// <summary>The current record's timestamp in Unix milliseconds (<c>ts</c>), or -1 when the line has none.</summary>
    public long TimestampMillis { get; private set; } = -1;

    /// <summary><c>create</c>, <c>logappend</c> or <c>unknown</c> (<c>tstype</c>); <c>unknown</c> for a <c>ts</c> without it; empty when the line has no timestamp.</summary>
    public string TimestampType { get; private set; } = "";

    /// <summary>The broker id the record was read from, or -1 when unknown or absent (older kcat builds).</summary>
    public int Broker { get; private set; } = -1;

    /// <summary>False when the key is null (or absent).</summary>
    public bool HasKey => _key.Present;

    /// <summary>The key: the UTF-8 bytes of the decoded JSON string. Valid until the next <see cref="Read"/>.</summary>
    public ReadOnlySpan<byte> Key => _key.Span;

    /// <summary>False when the payload is null (a tombstone, or absent).</summary>
    public bool HasPayload => _payload.Present;

    /// <summary>The payload: the UTF-8 bytes of the decoded JSON string. Valid until the next <see cref="Read"/>.</summary>
    public ReadOnlySpan<byte> Payload => _payload.Span;

    /// <summary>The headers in order, a null value for a null header; an empty shared list when none. Valid until the next <see cref="Read"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Headers => _headers.Count == 0 ? s_noHeaders : _headers;

    private void ClearRecord()
    {
        Topic = "";
        Partition = 0;
        Offset = 0;
        TimestampMillis = -1;
        TimestampType = "";
        Broker = -1;
        _key = default;
        _payload = default;
        _headers.Clear();
    }

    private bool TryParse(int lineStart, int lineLength, out string reason)
    {
        ClearRecord();
        if (TryParseFast(lineStart, lineLength))
        {
            reason = "";
            return true;
        }

        ClearRecord();
        return TryParseJson(lineStart, lineLength, out reason);
    }

    /// <summary>Parses any JSON line with <see cref="Utf8JsonReader"/>, and says what is wrong with an invalid one.</summary>
    private bool TryParseJson(int lineStart, int lineLength, out string reason)
    {
        var json = new Utf8JsonReader(_buffer.AsSpan(lineStart, lineLength));
        var seen = Seen.None;
        try
        {
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                reason = "not a JSON object";
                return false;
            }

            while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
            {
                var field = FieldOf(StringValue(ref json));
                if (field == Field.Other)
                {
                    json.Skip();
                    continue;
                }

                json.Read();
                if (!TryReadField(field, ref json, lineStart, ref seen, out reason))
                {
                    return false;
                }
            }

            // The object is complete; anything after it but whitespace makes the reader throw.
            if (json.Read())
            {
                reason = "more JSON after the record's object";
                return false;
            }
        }
        catch (JsonException ex)
        {
            reason = $"not valid JSON: {ex.Message}";
            return false;
        }

        if ((seen & Seen.Topic) == 0)
        {
            reason = "no \"topic\"";
            return false;
        }

        if ((seen & Seen.Partition) == 0)
        {
            reason = "no \"partition\"";
            return false;
        }

        if ((seen & Seen.Offset) == 0)
        {
            reason = "no \"offset\"";
            return false;
        }

        if ((seen & (Seen.Timestamp | Seen.TimestampType)) == Seen.Timestamp)
        {
            TimestampType = "unknown";
        }

        reason = "";
        return true;
    }

    private bool TryReadField(Field field, ref Utf8JsonReader json, int lineStart, ref Seen seen, out string reason)
    {
        reason = "";
        switch (field)
        {
            case Field.Topic:
                if (json.TokenType != JsonTokenType.String || json.ValueSpan.IsEmpty)
                {
                    reason = "\"topic\" is not a topic name";
                    return false;
                }

                Topic = _names.Get(StringValue(ref json));
                seen |= Seen.Topic;
                return true;
            case Field.Partition:
                if (json.TokenType != JsonTokenType.Number || !json.TryGetInt32(out var partition) || partition < 0)
                {
                    reason = "\"partition\" is not a partition number";
                    return false;
                }

                Partition = partition;
                seen |= Seen.Partition;
                return true;
            case Field.Offset:
                if (json.TokenType != JsonTokenType.Number || !json.TryGetInt64(out var offset) || offset < 0)
                {
                    reason = "\"offset\" is not an offset";
                    return false;
                }

                Offset = offset;
                seen |= Seen.Offset;
                return true;
            case Field.Timestamp:
                if (json.TokenType != JsonTokenType.Number || !json.TryGetInt64(out var timestamp))
                {
                    reason = "\"ts\" is not a timestamp in milliseconds";
                    return false;
                }

                TimestampMillis = timestamp;
                seen |= Seen.Timestamp;
                return true;
            case Field.TimestampType:
                if (json.TokenType != JsonTokenType.String)
                {
                    reason = "\"tstype\" is not a string";
                    return false;
                }

                TimestampType = _names.Get(StringValue(ref json));
                seen |= Seen.TimestampType;
                return true;
            case Field.Broker:
                if (json.TokenType != JsonTokenType.Number || !json.TryGetInt32(out var broker))
                {
                    reason = "\"broker\" is not a broker id";
                    return false;
                }

                Broker = broker;
                return true;
            case Field.Headers:
                return TryReadHeaders(ref json, out reason);
            case Field.Key:
                _key = Bytes(ref json, lineStart, ref _keyScratch);
                return true;
            default:
                _payload = Bytes(ref json, lineStart, ref _payloadScratch);
                return true;
        }
    }

    /// <summary>Reads <c>headers</c>: kcat's flat array of alternating names and values, or a map of name to value(s).</summary>
    private bool TryReadHeaders(ref Utf8JsonReader json, out string reason)
    {
        reason = "\"headers\" is not an array of alternating names and values";
        _headers.Clear();
        if (json.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (json.TokenType == JsonTokenType.StartArray)
        {
            while (json.Read() && json.TokenType != JsonTokenType.EndArray)
            {
                if (json.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                var name = _names.Get(StringValue(ref json));
                if (!json.Read() || !TryHeaderValue(ref json, out var value))
                {
                    return false;
                }

                _headers.Add(new(name, value));
            }

            return true;
        }

        if (json.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        reason = "\"headers\" is not a map of header names to values";
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            var name = _names.Get(StringValue(ref json));
            json.Read();
            if (json.TokenType != JsonTokenType.StartArray)
            {
                if (!TryHeaderValue(ref json, out var single))
                {
                    return false;
                }

                _headers.Add(new(name, single));
                continue;
            }

            while (json.Read() && json.TokenType != JsonTokenType.EndArray)
            {
                if (!TryHeaderValue(ref json, out var value))
                {
                    return false;
                }

                _headers.Add(new(name, value));
            }
        }

        return true;
    }

    private bool TryHeaderValue(ref Utf8JsonReader json, out string? value)
    {
        value = null;
        if (json.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (json.TokenType != JsonTokenType.String)
        {
            return false;
        }

        value = Encoding.UTF8.GetString(StringValue(ref json));
        return true;
    }

    /// <summary>A key or payload: a string's decoded bytes, null as absent, any other JSON value as its text.</summary>
    private ValueBytes Bytes(ref Utf8JsonReader json, int lineStart, ref byte[] scratch)
    {
        var at = lineStart + (int)json.TokenStartIndex;
        switch (json.TokenType)
        {
            case JsonTokenType.Null:
                return default;
            case JsonTokenType.String when !json.ValueIsEscaped:
                return new(_buffer, at + 1, json.ValueSpan.Length);
            case JsonTokenType.String:
                return new(scratch, 0, Unescape(json.ValueSpan, ref scratch));
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                json.Skip();
                return new(_buffer, at, lineStart + (int)json.BytesConsumed - at);
            default:
                return new(_buffer, at, json.ValueSpan.Length);
        }
    }

    /// <summary>A string token's (or property name's) decoded UTF-8 bytes, in place or in a reused buffer.</summary>
    private ReadOnlySpan<byte> StringValue(ref Utf8JsonReader json)
    {
        var raw = json.ValueSpan;
        if (!json.ValueIsEscaped)
        {
            return raw;
        }

        return _stringScratch.AsSpan(0, Unescape(raw, ref _stringScratch));
    }

    /// <summary>
    /// Unescapes string content the reader has checked into <paramref name="scratch"/> (grown to fit) and returns its
    /// length; a lone surrogate escape becomes U+FFFD.
    /// </summary>
    private static int Unescape(ReadOnlySpan<byte> escaped, ref byte[] scratch)
    {
        // Unescaped text is never longer than its escaped form.
        if (scratch.Length < escaped.Length)
        {
            scratch = new byte[Math.Max(escaped.Length, scratch.Length * 2)];
        }

        JsonEscapes.Unescape(escaped, scratch, replaceLoneSurrogates: true, out _, out var written);
        return written;
    }

    private static Field FieldOf(ReadOnlySpan<byte> name) =>
        name.Length switch
        {
            2 when name.SequenceEqual("ts"u8) => Field.Timestamp,
            3 when name.SequenceEqual("key"u8) => Field.Key,
            5 when name.SequenceEqual("topic"u8) => Field.Topic,
            6 when name.SequenceEqual("offset"u8) => Field.Offset,
            6 when name.SequenceEqual("tstype"u8) => Field.TimestampType,
            6 when name.SequenceEqual("broker"u8) => Field.Broker,
            7 when name.SequenceEqual("payload"u8) => Field.Payload,
            7 when name.SequenceEqual("headers"u8) => Field.Headers,
            9 when name.SequenceEqual("partition"u8) => Field.Partition,
            _ => Field.Other,
        };

    /// <summary>Where the current key or payload bytes are: a slice of the line buffer or of a decode buffer.</summary>
    private readonly struct ValueBytes(byte[] array, int start, int length)
    {
        public bool Present => array is not null;

        public ReadOnlySpan<byte> Span => array is null ? default : array.AsSpan(start, length);
    }
}
