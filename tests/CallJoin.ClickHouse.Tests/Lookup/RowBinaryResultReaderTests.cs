using CallJoin.ClickHouse.Lookup;

namespace CallJoin.ClickHouse.Tests.Lookup;

/// <summary>The RowBinary reader over a body that arrives a few bytes at a time, values straddling every boundary.</summary>
public sealed class RowBinaryResultReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(70_000)]
    public async Task Values_are_read_whole_however_the_body_is_cut(int chunk)
    {
        var large = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        byte[] body =
        [
            .. Length(3), .. "abc"u8, .. BitConverter.GetBytes(-5L), .. BitConverter.GetBytes(7),
            .. Length(large.Length), .. large, .. Length(0),
        ];
        var reader = new RowBinaryResultReader(new TrickleStream(body, chunk));
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await reader.HasMoreAsync(ct));
        Assert.Equal("abc"u8.ToArray(), (await reader.ReadStringAsync(ct)).ToArray());
        Assert.Equal(-5L, await reader.ReadInt64Async(ct));
        Assert.Equal(7, await reader.ReadInt32Async(ct));
        Assert.Equal(large, (await reader.ReadStringAsync(ct)).ToArray());
        Assert.Equal(0, (await reader.ReadStringAsync(ct)).Length);
        Assert.False(await reader.HasMoreAsync(ct));
    }

    [Fact]
    public async Task A_body_cut_inside_a_value_is_an_end_of_stream()
    {
        byte[] body = [.. Length(10), .. "abc"u8];
        var reader = new RowBinaryResultReader(new TrickleStream(body, 2));
        var ct = TestContext.Current.CancellationToken;

        Assert.True(await reader.HasMoreAsync(ct));
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await reader.ReadStringAsync(ct));
    }

    private static byte[] Length(int value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data, writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(chunk, buffer.Length)], cancellationToken);
    }
}
