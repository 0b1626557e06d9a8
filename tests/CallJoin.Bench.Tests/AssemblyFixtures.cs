using CallJoin.Testing;

// One embedded broker for every test in this assembly; each test makes its own topics and groups.
[assembly: AssemblyFixture(typeof(BrokerFixture))]
