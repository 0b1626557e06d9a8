using CallJoin.Testing;

[assembly: AssemblyFixture(typeof(BrokerFixture))]
[assembly: AssemblyFixture(typeof(ClickHouseFixture))]
