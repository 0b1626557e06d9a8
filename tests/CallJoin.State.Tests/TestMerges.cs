using System.Buffers;
using CallJoin.Core.State;

namespace CallJoin.State.Tests;

/// <summary>Returns a fixed decision (writing <c>next</c> on Write) and records how often it ran and what it saw.</summary>
internal struct RecordingMerge(PendingAction action, byte[]? next = null) : IPendingMerge
{
    public int Calls { get; private set; }

    public bool SawExists { get; private set; }

    public byte[]? SawCurrent { get; private set; }

    public PendingAction Merge(ReadOnlySpan<byte> current, bool exists, IBufferWriter<byte> nextValue)
    {
        Calls++;
        SawExists = exists;
        SawCurrent = exists ? current.ToArray() : null;
        if (action == PendingAction.Write)
        {
            nextValue.Write(next ?? []);
        }

        return action;
    }
}

internal static class TestValues
{
    /// <summary>Deterministic bytes for a key and a version, so a read-back can be checked without keeping them.</summary>
    public static byte[] For(long key, int version, int length)
    {
        var bytes = new byte[length];
        var state = (ulong)((key * 31) + version) | 1;
        for (var i = 0; i < bytes.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes[i] = (byte)state;
        }

        return bytes;
    }

    public static CallKey Key(long i) => new((ulong)i, (ulong)(i * 7));

    public static byte[]? Read(IPendingStore store, CallKey key)
    {
        var buffer = new ArrayBufferWriter<byte>();
        return store.TryRead(key, buffer) ? buffer.WrittenSpan.ToArray() : null;
    }

    public static PendingAction Apply(IPendingStore store, CallKey key, PendingAction action, byte[]? next = null)
    {
        var merge = new RecordingMerge(action, next);
        var result = store.ReadModifyWrite(key, ref merge);
        Assert.Equal(1, merge.Calls);
        return result;
    }
}
