using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace CallJoin.EmbeddedKafka;

/// <summary>Finds and loads the librdkafka build that <c>librdkafka.redist</c> ships for this platform.</summary>
/// <remarks>
/// The package puts several builds side by side in <c>runtimes/RID/native/</c>; on Linux x64 the default
/// <c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, which Debian 12 lacks, while <c>centos8-librdkafka.so</c>
/// loads. The runtime's default probing only knows the first name, so this resolver tries each build in turn
/// in the app's own folder, the folders the host probes for native assets, and the NuGet package folder
/// (when running from a build tree), and remembers the first that loads.
/// <c>CALLJOIN_LIBRDKAFKA</c> (a full path) wins over all of them.
/// </remarks>
internal static class LibRdKafkaResolver
{
    private static readonly Lock Gate = new();
    private static nint s_handle;

    /// <summary>Loads librdkafka (once) and routes this assembly's imports of it to that handle; thread-safe.</summary>
    /// <exception cref="DllNotFoundException">No candidate file loaded; the message lists each try and why.</exception>
    public static void Install()
    {
        lock (Gate)
        {
            if (s_handle != 0)
            {
                return;
            }

            s_handle = Load();
            NativeLibrary.SetDllImportResolver(typeof(LibRdKafkaResolver).Assembly, Resolve);
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibRdKafka.Name ? s_handle : 0;

    private static nint Load()
    {
        var tried = new StringBuilder();
        foreach (var path in Candidates())
        {
            if (!File.Exists(path))
            {
                tried.Append(Environment.NewLine).Append("  ").Append(path).Append(": no such file");
                continue;
            }

            try
            {
                return NativeLibrary.Load(path);
            }
            catch (DllNotFoundException ex)
            {
                tried.Append(Environment.NewLine).Append("  ").Append(path).Append(": ").Append(ex.Message);
            }
        }

        throw new DllNotFoundException(
            "Could not load librdkafka from the librdkafka.redist package (CALLJOIN_LIBRDKAFKA may name the file). Tried:" + tried);
    }

    private static IEnumerable<string> Candidates()
    {
        var overridePath = Environment.GetEnvironmentVariable("CALLJOIN_LIBRDKAFKA");
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            yield return overridePath;
            yield break;
        }

        foreach (var dir in Directories().Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d))).Distinct(StringComparer.Ordinal))
        {
            foreach (var file in FileNames())
            {
                yield return Path.Combine(dir, file);
            }
        }
    }

    private static IEnumerable<string> Directories()
    {
        var rid = RuntimeId();
        var relative = Path.Combine("runtimes", rid, "native");

        // A build or `dotnet publish` without a RID: bin/runtimes/RID/native/. With a RID: next to the app.
        yield return Path.Combine(AppContext.BaseDirectory, relative);
        yield return AppContext.BaseDirectory;

        var kafkaDir = Path.GetDirectoryName(typeof(Confluent.Kafka.Library).Assembly.Location);
        if (!string.IsNullOrEmpty(kafkaDir))
        {
            yield return Path.Combine(kafkaDir, relative);
        }

        // What the host resolved from deps.json (this includes package folders when running from a build tree).
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchDirs)
        {
            foreach (var dir in searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                yield return dir;
            }
        }

        // The NuGet package folder; librdkafka.redist is versioned in lockstep with Confluent.Kafka.
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (string.IsNullOrWhiteSpace(packages))
        {
            packages = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        var version = typeof(Confluent.Kafka.Library).Assembly.GetName().Version;
        if (version is not null)
        {
            yield return Path.Combine(packages, "librdkafka.redist", version.ToString(3), relative);
        }
    }

    private static string[] FileNames()
    {
        if (OperatingSystem.IsWindows())
        {
            return ["librdkafka.dll"];
        }

        if (OperatingSystem.IsMacOS())
        {
            return ["librdkafka.dylib"];
        }

        // The generic build first, then the ones with fewer system dependencies (glibc, then musl).
        return ["librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so"];
    }

    private static string RuntimeId()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.S390x => "s390x",
            _ => "unsupported",
        };
        return $"{os}-{arch}";
    }
}
