using ClickHouse.Driver;

namespace CallJoin.Service.Reads;

/// <summary>The ClickHouse client of the read API, apart from the sink's, disposed with the host.</summary>
internal sealed class ReadClient(ClickHouseClient client) : IDisposable
{
    public ClickHouseClient Client => client;

    public void Dispose() => client.Dispose();
}
