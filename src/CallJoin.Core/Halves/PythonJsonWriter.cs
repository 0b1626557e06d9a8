using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Text.Json;
using CallJoin.Core.Bytes;

namespace CallJoin.Core.Halves;

/// <summary>
/// Streams one JSON value from a <see cref="Utf8JsonReader"/> into the text Python's <c>json.dumps(json.loads(text))</c>
/// gives: <c>", "</c> and <c>": "</c> separators, ASCII-only strings, Python number spellings, key order kept. Optionally
/// collects the refs among the value's strings (not its keys).
/// </summary>
/// <remarks>
/// <para>
/// A Python dict keeps one entry per key: the first key's position with the last value. The fast path writes tokens
/// as they come and tracks each object's key hashes; when a key repeats (or two keys' hashes collide) it drops what it
/// wrote for this value and rewrites it by the slow path, which re-reads each object to merge its members.
/// </para>
/// <para>Not thread-safe; reused across values, allocating only to grow (or on the slow path).</para>
/// </remarks>
internal sealed partial class PythonJsonWriter
{
    private readonly ByteBuffer _scratch = new(256);
    private int[] _counts = new int[16];
    private int[] _objects = new int[16];
    private ulong[] _slotHashes = new ulong[64];
    private int[] _slotObjects = new int[64];
    private int _slotsUsed;
    private int _nextObject = 1;
    private int _firstObject = 1;

    /// <summary>
    /// Writes the value whose first token the reader is on, leaving the reader on its last token. Returns
    /// <see cref="HalfParseStatus.MalformedJson"/> for text Python could not round-trip (bad UTF-8, huge integers,
    /// too deep); malformed JSON surfaces as the reader's <see cref="JsonException"/>.
    /// </summary>
    public HalfParseStatus WriteValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> payload, ByteBuffer output, CallRefs? refs)
    {
        int outputStart = output.Length;
        long valueStart = reader.TokenStartIndex;
        int baseDepth = reader.CurrentDepth;
        BeginValue();

        int depth = 0;
        bool afterName = false;
        while (true)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    Separator(output, depth, ref afterName);
                    bool isObject = reader.TokenType == JsonTokenType.StartObject;
                    output.Append(isObject ? (byte)'{' : (byte)'[');
                    Push(depth++, isObject);
                    break;
                case JsonTokenType.EndObject:
                    output.Append((byte)'}');
                    depth--;
                    break;
                case JsonTokenType.EndArray:
                    output.Append((byte)']');
                    depth--;
                    break;
                case JsonTokenType.PropertyName:
                    if (_counts[depth - 1]++ > 0)
                    {
                        output.Append(", "u8);
                    }

                    if (!TryKeyHash(ref reader, out ulong hash))
                    {
                        return HalfParseStatus.MalformedJson;
                    }

                    if (IsRepeated(hash, _objects[depth - 1]))
                    {
                        return Rewrite(ref reader, payload, output, refs, outputStart, valueStart, baseDepth);
                    }

                    if (!PythonJsonText.TryWritePython(reader.ValueSpan, output))
                    {
                        return HalfParseStatus.MalformedJson;
                    }

                    output.Append(": "u8);
                    afterName = true;
                    break;
                default:
                    Separator(output, depth, ref afterName);
                    if (!TryWriteScalar(ref reader, output, refs))
                    {
                        return HalfParseStatus.MalformedJson;
                    }

                    break;
            }

            if (depth == 0)
            {
                return HalfParseStatus.Ok;
            }

            if (!reader.Read())
            {
                return HalfParseStatus.MalformedJson;
            }
        }
    }

    /// <summary>Writes a string, number or literal token; a string is checked for being a ref.</summary>
    private bool TryWriteScalar(ref Utf8JsonReader reader, ByteBuffer output, CallRefs? refs)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var raw = reader.ValueSpan;
                if (refs is not null)
                {
                    CollectRef(raw, reader.ValueIsEscaped, refs);
                }

                return PythonJsonText.TryWritePython(raw, output);
            case JsonTokenType.Number:
                return PythonNumber.TryWrite(reader.ValueSpan, output);
            case JsonTokenType.True:
                output.Append("true"u8);
                return true;
            case JsonTokenType.False:
                output.Append("false"u8);
                return true;
            case JsonTokenType.Null:
                output.Append("null"u8);
                return true;
            default:
                return false;
        }
    }

    private void CollectRef(ReadOnlySpan<byte> raw, bool escaped, CallRefs refs)
    {
        if (!escaped)
        {
            if (RefSyntax.IsRef(raw))
            {
                refs.Add(raw);
            }

            return;
        }

        if (!RefSyntax.MayStartRef(raw))
        {
            return;
        }

        _scratch.Clear();
        if (PythonJsonText.TryUnescape(raw, _scratch) && RefSyntax.IsRef(_scratch.Written))
        {
            refs.Add(_scratch.Written);
        }
    }

    /// <summary>Before a value: nothing after a key or at the top, <c>", "</c> between array items.</summary>
    private void Separator(ByteBuffer output, int depth, ref bool afterName)
    {
        if (afterName)
        {
            afterName = false;
        }
        else if (depth > 0 && _counts[depth - 1]++ > 0)
        {
            output.Append(", "u8);
        }
    }

    private void Push(int depth, bool isObject)
    {
        if (depth == _counts.Length)
        {
            Array.Resize(ref _counts, depth * 2);
            Array.Resize(ref _objects, depth * 2);
        }

        _counts[depth] = 0;
        _objects[depth] = isObject ? _nextObject++ : 0;
    }

    private bool TryKeyHash(ref Utf8JsonReader reader, out ulong hash)
    {
        if (!reader.ValueIsEscaped)
        {
            hash = XxHash3.HashToUInt64(reader.ValueSpan);
            return true;
        }

        _scratch.Clear();
        hash = 0;
        if (!PythonJsonText.TryUnescape(reader.ValueSpan, _scratch))
        {
            return false;
        }

        hash = XxHash3.HashToUInt64(_scratch.Written);
        return true;
    }

    /// <summary>Starts a value: keys recorded for earlier values no longer count.</summary>
    private void BeginValue()
    {
        if (_nextObject > int.MaxValue - 1_000_000)
        {
            Array.Clear(_slotObjects);
            _nextObject = 1;
        }

        _firstObject = _nextObject;
        _slotsUsed = 0;
    }

    /// <summary>Records the key in its object; true if the object already has a key with this hash.</summary>
    private bool IsRepeated(ulong hash, int objectId)
    {
        if ((_slotsUsed + 1) * 2 > _slotObjects.Length)
        {
            GrowSlots();
        }

        int mask = _slotObjects.Length - 1;
        for (int slot = Slot(hash, objectId, mask); ; slot = (slot + 1) & mask)
        {
            int stored = _slotObjects[slot];
            if (stored < _firstObject)
            {
                _slotObjects[slot] = objectId;
                _slotHashes[slot] = hash;
                _slotsUsed++;
                return false;
            }

            if (stored == objectId && _slotHashes[slot] == hash)
            {
                return true;
            }
        }
    }

    private void GrowSlots()
    {
        var oldObjects = _slotObjects;
        var oldHashes = _slotHashes;
        _slotObjects = new int[oldObjects.Length * 2];
        _slotHashes = new ulong[oldObjects.Length * 2];
        int mask = _slotObjects.Length - 1;
        for (int i = 0; i < oldObjects.Length; i++)
        {
            if (oldObjects[i] >= _firstObject)
            {
                int slot = Slot(oldHashes[i], oldObjects[i], mask);
                while (_slotObjects[slot] != 0)
                {
                    slot = (slot + 1) & mask;
                }

                _slotObjects[slot] = oldObjects[i];
                _slotHashes[slot] = oldHashes[i];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(ulong hash, int objectId, int mask) =>
        (int)((hash ^ ((ulong)objectId * 0x9E3779B97F4A7C15UL)) >> 32) & mask;
}
