using CallJoin.Testing;

[assembly: AssemblyFixture(typeof(ClickHouseFixture))]
