
namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>Folders of the repository the tests run from (found through the corpus, which lives in it).</summary>
internal static class RepositoryPaths
{
    /// <summary>The repository's top folder (where SlimCap.Reactive.sln is).</summary>
    public static string Root => Path.GetFullPath(Path.Combine(Corpus.Root, "..", "..", ".."));

    /// <summary>A path below the top folder.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A fresh folder under the temp folder, named for <paramref name="what"/>; the caller deletes it.</summary>
    public static string NewTempFolder(string what)
    {
        string path = Path.Combine(Path.GetTempPath(), $"slimcap-{what}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A NuGet.config that takes packages from <paramref name="localFeeds"/> first, then from the machine's own registry.</summary>
    public static string NuGetConfig(params string[] localFeeds) =>
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <clear />\n"
        + string.Concat(localFeeds.Select((feed, i) => $"    <add key=\"local{i}\" value=\"{feed}\" />\n"))
        + "    <add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" />\n  </packageSources>\n</configuration>\n";
}
