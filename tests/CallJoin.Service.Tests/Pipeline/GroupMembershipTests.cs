using CallJoin.Kafka.Ingest;
using CallJoin.Testing;
using CallJoin.Workload;

namespace CallJoin.Service.Tests.Pipeline;

/// <summary>Static group membership: a member restarted under its name takes its partitions back and reads on.</summary>
[Collection(nameof(ServiceRuns))]
public sealed class GroupMembershipTests(BrokerFixture kafka, ClickHouseFixture clickHouse)
{
    private const string CallsFinal = "SELECT count() FROM {db}.calls_complete FINAL";

    [Fact]
    public async Task A_member_restarted_under_the_same_name_takes_its_partitions_back_and_lands_everything_once()
    {
        await using var harness = await ServiceHarness.CreateAsync(kafka, clickHouse, partitions: 4);
        var before = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 400, Seed = 41 });
        var after = new WeaveWorkload(ServiceEndToEndTests.Options() with { Calls = 400, Seed = 42 });
        var settings = harness.Settings(IngestOwnership.Group);
        settings = settings with { Ingest = settings.Ingest with { GroupInstanceId = kafka.UniqueName("member") } };

        await harness.PublishAsync(before.Events());
        await using (var first = await ServiceHarness.StartAsync(settings))
        {
            Assert.Equal(before.Expected.CallsInTable, await harness.WaitForAsync(CallsFinal, before.Expected.CallsInTable));
        }

        await harness.PublishAsync(after.Events());
        await using var second = await ServiceHarness.StartAsync(settings);
        var total = before.Expected.CallsInTable + after.Expected.CallsInTable;

        Assert.Equal(total, await harness.WaitForAsync(CallsFinal, total));
        Assert.Equal(total, await harness.ScalarAsync("SELECT uniqExact(id) FROM {db}.calls_complete FINAL"));
        Assert.Equal(4, second.Service.Ingest!.Assignment.StartPartitions.Count);
    }
}
