using System.Reflection;
using System.Text.Json;

namespace CallJoin.Host.Tests;

/// <summary>The service-only executable carries neither embedded engine: they are for tests, demos and replays.</summary>
public sealed class ServiceDependencyTests
{
    private static readonly string[] EmbeddedEngines = ["CallJoin.EmbeddedKafka", "CallJoin.EmbeddedClickHouse"];

    [Fact]
    public void No_assembly_the_service_references_transitively_is_an_embedded_engine()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>();
        pending.Push(Assembly.Load(new AssemblyName("calljoin-service")));
        while (pending.TryPop(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                // Only our own assemblies can reference the embedded engines, so the walk need not enter the framework's.
                if (reference.Name is { } name && seen.Add(name) && name.StartsWith("CallJoin.", StringComparison.Ordinal))
                {
                    pending.Push(Assembly.Load(reference));
                }
            }
        }

        Assert.Contains("CallJoin.Service", seen);
        Assert.Contains("CallJoin.Kafka", seen);
        Assert.DoesNotContain(seen, EmbeddedEngines.Contains);
    }

    [Fact]
    public void The_dependency_manifest_publish_copies_from_lists_no_embedded_engine()
    {
        // The compiler leaves out references that no code uses, which the walk above cannot see; the SDK's deps.json
        // lists every project reference, used or not, and is what publish copies assemblies by.
        var path = Path.Combine(AppContext.BaseDirectory, "calljoin-service.deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(path));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();

        Assert.Contains("CallJoin.Service", libraries);
        Assert.DoesNotContain(libraries, EmbeddedEngines.Contains);
    }
}
