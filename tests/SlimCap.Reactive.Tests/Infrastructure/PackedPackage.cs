using System.IO.Compression;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// The library packed once per test run (`dotnet pack --no-build` of the build the tests run against) into a local
/// folder feed, under a version of its own (0.2.0-test.*) so no earlier run's package in the NuGet cache can stand in
/// for it. The cache entry of that version is removed when the process ends.
/// </summary>
internal static class PackedPackage
{
    private static readonly Lazy<(string Feed, string Version)> Packed = new(Pack);

    /// <summary>The folder feed holding the .nupkg and .snupkg.</summary>
    public static string Feed => Packed.Value.Feed;

    /// <summary>The packed version.</summary>
    public static string Version => Packed.Value.Version;

    /// <summary>Runs dotnet with <paramref name="arguments"/> in <paramref name="directory"/>; fails the test with its output if it fails.</summary>
    public static string Dotnet(string directory, string arguments, int timeoutMs)
    {
        (int exit, string output) = Shell.Run("dotnet", $"{arguments} --nologo", timeoutMs, directory);
        Assert.True(exit == 0, $"dotnet {arguments} (in {directory}) exited with {exit}:\n{output}");
        return output;
    }

    private static (string, string) Pack()
    {
        string feed = RepositoryPaths.NewTempFolder("feed");
        string version = $"0.2.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
#if DEBUG
        const string configuration = "Debug"; // the configuration the tests (and so the library beside them) were built in
#else
        const string configuration = "Release";
#endif
        string project = RepositoryPaths.Of("src", "SlimCap.Reactive", "SlimCap.Reactive.csproj");
        Dotnet(RepositoryPaths.Root, $"pack {project} --no-build -c {configuration} -o {feed} -p:Version={version}", 180_000);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveFromCache(version);
        return (feed, version);
    }

    /// <summary>Reads one entry of the packed .nupkg.</summary>
    public static string ReadEntry(string entryName)
    {
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(Feed, $"SlimCap.Reactive.{Version}.nupkg"));
        ZipArchiveEntry entry = zip.GetEntry(entryName) ?? throw new FileNotFoundException($"{entryName} is not in the package");
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd();
    }

    private static void RemoveFromCache(string version)
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        try
        {
            Directory.Delete(Path.Combine(cache, "slimcap.reactive", version), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
