using System.Runtime.InteropServices;
using System.Text;

namespace CallJoin.EmbeddedClickHouse.Engine;

/// <summary>The outcome of one statement: its output bytes, statistics or error, owned natively until disposed.</summary>
internal sealed unsafe class ChdbResult : IDisposable
{
    private nint _handle;

    public ChdbResult(nint handle) => _handle = handle;

    /// <summary>The engine's error text (<c>Code: N. DB::Exception: …</c>), or null on success.</summary>
    public string? Error
    {
        get
        {
            var error = ChdbNative.ResultError(_handle);
            return error == null ? null : Marshal.PtrToStringUTF8((nint)error);
        }
    }

    public ReadOnlySpan<byte> Data
    {
        get
        {
            var length = ChdbNative.ResultLength(_handle);
            return length == 0 ? default : new ReadOnlySpan<byte>(ChdbNative.ResultBuffer(_handle), checked((int)length));
        }
    }

    public QueryStatistics Statistics => new(
        ChdbNative.ResultRowsRead(_handle),
        ChdbNative.ResultBytesRead(_handle),
        ChdbNative.ResultRowsWritten(_handle),
        ChdbNative.ResultBytesWritten(_handle),
        ChdbNative.ResultElapsed(_handle));

    /// <summary>A read-only view of the output (no copy); valid while this result is alive.</summary>
    public Stream OpenRead()
    {
        var length = (long)ChdbNative.ResultLength(_handle);
        return length == 0 ? Stream.Null : new UnmanagedMemoryStream(ChdbNative.ResultBuffer(_handle), length);
    }

    public string Text() => Encoding.UTF8.GetString(Data);

    public ChdbResult ThrowIfError() => Error is { } error ? throw new ChdbException(error) : this;

    public void Dispose()
    {
        if (_handle != 0)
        {
            ChdbNative.DestroyResult(_handle);
            _handle = 0;
        }
    }
}
