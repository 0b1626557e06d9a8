using System.Text.Json;
using System.Text.Unicode;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// Re-serializes one JSON document exactly as Python's <c>json.dumps(json.loads(text))</c> does with default settings,
/// the text upstream stores in the *_dump columns. See <see cref="CallRowBuilder"/> for its use on messages.
/// </summary>
/// <remarks>Reusable and single-threaded; the returned span is valid until the next call.</remarks>
public sealed class PythonJsonDumper
{
    private readonly PythonJsonWriter _writer = new();
    private readonly ByteBuffer _output = new(256);
    private readonly CallRefs _refs = new();

    /// <summary>Refs (as upstream's <c>extract_refs_from_values</c>) among the strings of the last dumped value.</summary>
    public CallRefs Refs => _refs;

    /// <summary>Dumps <paramref name="json"/>; false if it is not exactly one valid JSON value Python could dump.</summary>
    public bool TryDump(ReadOnlySpan<byte> json, out ReadOnlySpan<byte> dump)
    {
        dump = default;
        _output.Clear();
        _refs.Clear();
        if (!Utf8.IsValid(json))
        {
            return false;
        }

        var reader = new Utf8JsonReader(json, HalfParser.ReaderOptions);
        try
        {
            if (!reader.Read() || _writer.WriteValue(ref reader, json, _output, _refs) != HalfParseStatus.Ok || reader.Read())
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        dump = _output.Written;
        return true;
    }
}
