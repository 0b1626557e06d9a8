using CallJoin.Service.Settings;
using Microsoft.Extensions.Configuration;

namespace CallJoin.Service.Tests.Settings;

/// <summary>Static group membership from a StatefulSet pod's name, and the stream-time guards.</summary>
public sealed class MembershipAndTimeSettingsTests
{
    [Theory]
    [InlineData("calljoin-2", null, "calljoin-2")]
    [InlineData("worker-7f9c", null, null)]
    [InlineData("calljoin-2", "member-a", "member-a")]
    [InlineData("calljoin-2", "", null)]
    public void A_group_member_takes_its_stable_name_from_the_pod(string host, string? configured, string? expected)
    {
        var values = new Dictionary<string, string?> { ["HOSTNAME"] = host };
        if (configured is not null)
        {
            values["CallJoin:Kafka:GroupInstanceId"] = configured;
        }

        Assert.Equal(expected, Load(values).Ingest.GroupInstanceId);
    }

    [Fact]
    public void Static_ownership_needs_no_group_membership() =>
        Assert.Null(Load(new() { ["CallJoin:Kafka:Ownership"] = "static", ["HOSTNAME"] = "calljoin-0" }).Ingest.GroupInstanceId);

    [Fact]
    public void Clock_skew_and_partition_idleness_are_read_and_default_to_a_minute()
    {
        var defaults = Load([]);
        Assert.Equal(TimeSpan.FromMinutes(1), defaults.MaxClockSkew);
        Assert.Equal(TimeSpan.FromMinutes(1), defaults.PartitionIdleAfter);

        var set = Load(new() { ["CallJoin:Join:MaxClockSkew"] = "2.5", ["CallJoin:Join:PartitionIdleAfter"] = "00:05:00" });
        Assert.Equal(TimeSpan.FromSeconds(2.5), set.MaxClockSkew);
        Assert.Equal(TimeSpan.FromMinutes(5), set.PartitionIdleAfter);
    }

    private static ServiceSettings Load(Dictionary<string, string?> values) =>
        ServiceSettingsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
