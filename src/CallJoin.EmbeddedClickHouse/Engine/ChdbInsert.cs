using System.Runtime.InteropServices;

namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>A streaming INSERT: data is appended in chunks of any size and committed by <see cref="Finish"/>.</summary>
/// <remarks>Not thread-safe; its connection runs nothing else until it is disposed.</remarks>
internal sealed unsafe class ChdbInsert : IDisposable
{
    private nint _handle;

    public ChdbInsert(nint handle) => _handle = handle;

    /// <summary>Why the stream failed (to start, or on an append), or null.</summary>
    public string? Error
    {
        get
        {
            var error = ChdbNative.InsertError(_handle);
            return error == null ? null : Marshal.PtrToStringUTF8((nint)error);
        }
    }

    /// <summary>Hands one chunk to the engine (copied); false when the stream has failed — see <see cref="Error"/>.</summary>
    public bool Append(ReadOnlySpan<byte> chunk)
    {
        fixed (byte* p = chunk)
        {
            return ChdbNative.Append(_handle, p, (nuint)chunk.Length) == 0;
        }
    }

    /// <summary>Ends the input and commits; the result carries rows written or the error.</summary>
    public ChdbResult Finish() => new(ChdbNative.FinishInsert(_handle));

    public void Dispose()
    {
        if (_handle != 0)
        {
            ChdbNative.DestroyInsert(_handle);
            _handle = 0;
        }
    }
}
