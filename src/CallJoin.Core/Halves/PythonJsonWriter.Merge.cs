using System.Runtime.CompilerServices;
using System.Text.Json;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

internal sealed partial class PythonJsonWriter
{
    /// <summary>
    /// Abandons the fast path for the current value: reads it to its end, drops its output and refs, and writes it again
    /// with every object's repeated keys merged.
    /// </summary>
    private HalfParseStatus Rewrite(ref Utf8JsonReader reader, ReadOnlySpan<byte> payload, ByteBuffer output, CallRefs? refs,
        int outputStart, long valueStart, int baseDepth)
    {
        while (reader.CurrentDepth != baseDepth || reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
        {
            if (!reader.Read())
            {
                return HalfParseStatus.MalformedJson;
            }
        }

        output.Truncate(outputStart);
        refs?.Clear();
        return WriteMerged(payload[(int)valueStart..(int)reader.BytesConsumed], output, refs);
    }

    /// <summary>
    /// Writes one complete JSON value as Python would after loading it into dicts: each object's members in first-seen
    /// key order, each with its last value. Re-reads nested containers from their own text, so it costs up to
    /// depth x size; only payloads with repeated keys take it.
    /// </summary>
    private HalfParseStatus WriteMerged(ReadOnlySpan<byte> json, ByteBuffer output, CallRefs? refs)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return HalfParseStatus.MalformedJson;
        }

        var reader = new Utf8JsonReader(json, HalfParser.ReaderOptions);
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                return WriteMergedObject(ref reader, json, output, refs);
            case JsonTokenType.StartArray:
                output.Append((byte)'[');
                bool first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    int start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    if (!first)
                    {
                        output.Append(", "u8);
                    }

                    first = false;
                    var status = WriteMerged(json[start..(int)reader.BytesConsumed], output, refs);
                    if (status != HalfParseStatus.Ok)
                    {
                        return status;
                    }
                }

                output.Append((byte)']');
                return HalfParseStatus.Ok;
            default:
                return TryWriteScalar(ref reader, output, refs) ? HalfParseStatus.Ok : HalfParseStatus.MalformedJson;
        }
    }

    private HalfParseStatus WriteMergedObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ByteBuffer output, CallRefs? refs)
    {
        var members = new List<Member>();
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = PythonJsonText.UnescapeToString(reader.ValueSpan);
            if (key is null)
            {
                return HalfParseStatus.MalformedJson;
            }

            int keyStart = (int)reader.TokenStartIndex + 1;
            int keyLength = reader.ValueSpan.Length;
            reader.Read();
            int valueStart = (int)reader.TokenStartIndex;
            reader.Skip();
            int valueEnd = (int)reader.BytesConsumed;
            if (byKey.TryGetValue(key, out int existing))
            {
                members[existing] = members[existing] with { ValueStart = valueStart, ValueEnd = valueEnd };
            }
            else
            {
                byKey.Add(key, members.Count);
                members.Add(new Member(keyStart, keyLength, valueStart, valueEnd));
            }
        }

        output.Append((byte)'{');
        for (int i = 0; i < members.Count; i++)
        {
            var member = members[i];
            if (i > 0)
            {
                output.Append(", "u8);
            }

            if (!PythonJsonText.TryWritePython(json.Slice(member.KeyStart, member.KeyLength), output))
            {
                return HalfParseStatus.MalformedJson;
            }

            output.Append(": "u8);
            var status = WriteMerged(json[member.ValueStart..member.ValueEnd], output, refs);
            if (status != HalfParseStatus.Ok)
            {
                return status;
            }
        }

        output.Append((byte)'}');
        return HalfParseStatus.Ok;
    }

    /// <summary>An object member by position in the object's text: its key (escaped, without quotes) and its value.</summary>
    private readonly record struct Member(int KeyStart, int KeyLength, int ValueStart, int ValueEnd);
}
