using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SlimCap.Reactive.Capture;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Samples;

/// <summary>
/// samples/notebooks/*.ipynb executed headless as a user would (dotnet-repl from the folder's tool manifest, the package
/// from the packed .nupkg through a local feed, added with <c>#i</c> before the notebook's own <c>#r "nuget: …"</c>),
/// all four at once in one test (each kernel takes seconds to start): no cell may fail, and what the cells show is
/// checked against the corpus as the LINQPad samples are; the live cell captures when the test runs as root and
/// says it skipped otherwise.
/// </summary>
public sealed class NotebookTests
{
    /// <summary>The package cell's reference as the notebooks carry it (the newest version, prereleases included).</summary>
    private const string PackageReference = "#r \"nuget: SlimCap.Reactive, *-*\"";

    /// <summary>What marks the live-capture cell.</summary>
    private const string LiveCell = "new RingSource(";

    [Fact]
    public async Task Every_notebook_runs_headless_on_the_packed_package_and_shows_what_the_corpus_holds()
    {
        string folder = RepositoryPaths.Of("samples", "notebooks");
        string[] notebooks = Directory.GetFiles(folder, "*.ipynb").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(SampleChecks.Inputs.Keys.Order(StringComparer.Ordinal), notebooks.Select(n => Path.GetFileNameWithoutExtension(n)));
        (int restored, string restoreOutput) = Shell.Run("dotnet", "tool restore", 180_000, folder);
        Assert.True(restored == 0, $"dotnet tool restore in {folder} exited with {restored}:\n{restoreOutput}");
        string feed = PackedPackage.Feed, version = PackedPackage.Version;
        string work = RepositoryPaths.NewTempFolder("notebooks");
        try
        {
            (string Name, string Output)[] runs = await Task.WhenAll(notebooks.Select(n => Task.Run(() => Execute(n, folder, work, feed, version))));
            foreach ((string name, string executed) in runs)
            {
                NotebookOutput output = NotebookOutput.Load(executed);
                Assert.True(output.Cells.All(c => c.Errors.Count == 0), $"{name}: {string.Join("\n", output.Cells.SelectMany(c => c.Errors))}");
                Assert.Contains($"SlimCap.Reactive, {version}", File.ReadAllText(executed), StringComparison.Ordinal); // the kernel's "Installed Packages"
                SampleChecks.Check(name, output.LinesExcept(LiveCell));
                if (name == "top-talkers") CheckLiveCell(output);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void CheckLiveCell(NotebookOutput output)
    {
        List<string> live = output.Cells.Single(c => c.Source.Contains(LiveCell, StringComparison.Ordinal)).Lines;
        if (Privileges.IsRoot) Assert.Contains(live, l => Regex.IsMatch(l, @"^live: \d+ packets on lo in 1 s$"));
        else Assert.Contains(live, l => l.StartsWith("live capture skipped: ", StringComparison.Ordinal));
    }

    /// <summary>
    /// What the executed notebook says went wrong: dotnet-repl prints nothing when its output is redirected, but still
    /// writes the notebook, with each failed cell's error, before it exits with 2.
    /// </summary>
    private static string FailedCells(string executed)
    {
        if (!File.Exists(executed)) return $"(no executed notebook at {executed})";
        return string.Join("\n", NotebookOutput.Load(executed).Cells.Where(c => c.Errors.Count > 0)
            .Select(c => $"cell starting \"{c.Source.Split('\n')[0]}\": {string.Join("; ", c.Errors)}\n  printed: {string.Join(" | ", c.Lines)}"));
    }

    /// <summary>Runs a copy of <paramref name="notebook"/> that takes the package from <paramref name="feed"/>; returns the executed notebook's path.</summary>
    private static (string Name, string Output) Execute(string notebook, string folder, string work, string feed, string version)
    {
        string name = Path.GetFileNameWithoutExtension(notebook);
        JsonNode document = JsonNode.Parse(File.ReadAllText(notebook))!;
        JsonArray source = document["cells"]!.AsArray().Select(c => c!["source"]!.AsArray())
            .Single(s => s.Any(l => l!.GetValue<string>().TrimEnd() == PackageReference));
        int at = source.Select(l => l!.GetValue<string>().TrimEnd()).ToList().IndexOf(PackageReference);
        source[at] = $"#r \"nuget: SlimCap.Reactive, {version}\"\n";
        source.Insert(at, $"#i \"nuget: {feed}\"\n");
        string copy = Path.Combine(work, name + ".ipynb"), executed = Path.Combine(work, name + ".out.ipynb");
        File.WriteAllText(copy, document.ToJsonString());
        var environment = new Dictionary<string, string> { ["SLIMCAP_SAMPLE_FILE"] = Corpus.PathOf("files", SampleChecks.Inputs[name]) };
        (int Exit, string Printed) Run() =>
            Shell.Run("dotnet", $"tool run dotnet-repl --run {copy} --exit-after-run --output-path {executed}", 300_000, folder, environment);
        (int exit, string printed) = Run();
        string retried = "";
        if (exit != 0 && OnlyTheKernelFailed(executed))
        {
            // The kernel's own start or its package restore (four kernels restore at once beside a busy suite): once
            // more, and the first failure is said with the second's if that fails too. A failure in our cells is not retried.
            retried = $"\n(a first run failed before our code ran: {FailedCells(executed)})";
            File.Delete(executed);
            (exit, printed) = Run();
        }
        if (exit != 0) Assert.Fail($"dotnet-repl --run {name}.ipynb exited with {exit} (2: a cell failed):\n{printed}{FailedCells(executed)}{retried}");
        return (name, executed);
    }

    /// <summary>True when no executed notebook was written, or only the package cell (<c>#r "nuget: …"</c>) failed.</summary>
    private static bool OnlyTheKernelFailed(string executed) =>
        !File.Exists(executed) || NotebookOutput.Load(executed).Cells.Where(c => c.Errors.Count > 0)
            .All(c => c.Source.Contains("#r \"nuget:", StringComparison.Ordinal));
}
