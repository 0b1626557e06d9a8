using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CallJoin.EmbeddedKafka;

/// <summary>Forwards fixed loopback ports to the mock brokers' random listener ports, byte for byte.</summary>
/// <remarks>
/// librdkafka's mock cannot bind a chosen port, so <see cref="EmbeddedBrokerOptions.Port"/> is served by this
/// relay: one listener per broker, one connection to the broker per client connection, closed together.
/// It does not look at the Kafka protocol; the brokers advertise the fixed ports themselves.
/// All listeners are bound before any is served, so a port in use fails <see cref="Start"/> and nothing half-starts.
/// </remarks>
internal sealed class BrokerPortRelay : IDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _listeners = [];
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private int _disposed;

    private BrokerPortRelay()
    {
    }

    /// <summary>Listens on <paramref name="address"/> at <paramref name="ports"/>[i] and relays to <paramref name="targets"/>[i].</summary>
    /// <exception cref="SocketException">A port could not be bound (usually: already in use).</exception>
    public static BrokerPortRelay Start(IPAddress address, IReadOnlyList<int> ports, IReadOnlyList<IPEndPoint> targets)
    {
        var relay = new BrokerPortRelay();
        try
        {
            foreach (var port in ports)
            {
                var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                relay._listeners.Add(listener);
                listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                listener.Bind(new IPEndPoint(address, port));
                listener.Listen(64);
            }
        }
        catch
        {
            relay.Dispose();
            throw;
        }

        for (var i = 0; i < ports.Count; i++)
        {
            _ = relay.AcceptAsync(relay._listeners[i], targets[i]);
        }

        return relay;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        foreach (var socket in _connections.Keys)
        {
            socket.Dispose();
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(Socket listener, IPEndPoint target)
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = RelayAsync(client, target, stop);
        }
    }

    private async Task RelayAsync(Socket client, IPEndPoint target, CancellationToken stop)
    {
        using var broker = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _connections[client] = 0;
        _connections[broker] = 0;
        try
        {
            client.NoDelay = true;
            broker.NoDelay = true;
            await broker.ConnectAsync(target, stop).ConfigureAwait(false);
            var up = PumpAsync(client, broker, stop);
            var down = PumpAsync(broker, client, stop);
            await Task.WhenAny(up, down).ConfigureAwait(false);

            // One side closed: close both, which ends the other pump too.
            client.Dispose();
            broker.Dispose();
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The broker is down or the relay is stopping: the client sees its connection close.
        }
        finally
        {
            _connections.TryRemove(client, out _);
            _connections.TryRemove(broker, out _);
            client.Dispose();
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken stop)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, stop).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                for (var sent = 0; sent < read;)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, stop).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Either side went away; the caller closes both.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
