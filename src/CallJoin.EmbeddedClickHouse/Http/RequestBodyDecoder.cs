using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace CallJoin.EmbeddedClickHouse.Http;

/// <summary>Undoes the request's <c>Content-Encoding</c>, as ClickHouse's HTTP interface does.</summary>
internal static class RequestBodyDecoder
{
    /// <summary>The decoded body; null when the encoding is not one ClickHouse accepts.</summary>
    public static Stream? Decode(Stream body, string? contentEncoding) => contentEncoding?.Trim().ToLowerInvariant() switch
    {
        null or "" or "identity" => body,
        "gzip" or "x-gzip" => new GZipStream(body, CompressionMode.Decompress, leaveOpen: true),
        "deflate" => new ZLibStream(body, CompressionMode.Decompress, leaveOpen: true),
        "br" => new BrotliStream(body, CompressionMode.Decompress, leaveOpen: true),
        "zstd" => new DecompressionStream(body, leaveOpen: true),
        "lz4" => LZ4Stream.Decode(body, leaveOpen: true),
        _ => null,
    };
}
