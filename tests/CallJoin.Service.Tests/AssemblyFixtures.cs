using CallJoin.Testing;

// One embedded broker and one embedded ClickHouse for every test in this assembly; each test makes its own topics,
// consumer group and database.
[assembly: AssemblyFixture(typeof(BrokerFixture))]
[assembly: AssemblyFixture(typeof(ClickHouseFixture))]
