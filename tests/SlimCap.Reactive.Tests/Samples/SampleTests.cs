using System.Text.RegularExpressions;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Samples;

/// <summary>
/// The samples run as a user runs them, against corpus files, and what they print is checked against the corpus
/// (the manifests' record counts, and figures computed here from the records): every samples/linqpad/*.linq body in one
/// generated .NET 10 file-based app with a Dump() stand-in, and samples/scripts/*.cs through `dotnet run`.
/// </summary>
public sealed class SampleTests
{
    private const string Afs = SampleChecks.Afs;
    private const string SeveralInterfaces = SampleChecks.SeveralInterfaces;
    private static readonly IReadOnlyDictionary<string, string> LinqPadInputs = SampleChecks.Inputs;

    private static string DotnetRun(string directory, string arguments)
    {
        (int exit, string output) = Shell.Run("dotnet", "run " + arguments, 300_000, directory);
        Assert.True(exit == 0, $"dotnet run {arguments} exited with {exit}:\n{output}");
        return output;
    }

    [Fact]
    public void Every_linqpad_query_runs_and_prints_what_the_corpus_holds()
    {
        string[] files = Directory.GetFiles(RepositoryPaths.Of("samples", "linqpad"), "*.linq").Order(StringComparer.Ordinal).ToArray();
        List<LinqPadQuery> queries = files.Select(LinqPadQuery.Load).ToList();
        Assert.Equal(LinqPadInputs.Keys.Order(StringComparer.Ordinal), queries.Select(q => q.Name)); // a new sample needs its input here
        Assert.All(queries, q => Assert.Contains("SlimCap.Reactive", q.NuGetReferences));
        string work = RepositoryPaths.NewTempFolder("linqpad");
        try
        {
            string app = LinqPadQuery.ToFileBasedApp(queries.Select(q => (q, Corpus.PathOf("files", LinqPadInputs[q.Name]))),
                RepositoryPaths.Of("src", "SlimCap.Reactive", "SlimCap.Reactive.csproj"));
            File.WriteAllText(Path.Combine(work, "samples.cs"), app);
            var output = new SampleOutput(DotnetRun(work, "samples.cs"));

            foreach (LinqPadQuery q in queries) SampleChecks.Check(q.Name, output.Section(q.Name));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public void The_file_based_scripts_run_on_corpus_files()
    {
        string scripts = RepositoryPaths.Of("samples", "scripts");
        string top = DotnetRun(RepositoryPaths.Root, $"{Path.Combine(scripts, "top-talkers.cs")} -- {Corpus.PathOf("files", Afs)}");
        List<FileRecordCopy> afs = SampleChecks.Records(Afs);
        Assert.Contains($"{afs.Count} packets from {Corpus.PathOf("files", Afs)}", top);
        (string source, int packets, long bytes) = SampleChecks.TopTalkers(afs)[0];
        Assert.Matches($@"(?m)^{Regex.Escape(source)} +{packets} +{bytes}\s*$", top);

        string decoded = DotnetRun(RepositoryPaths.Root, $"{Path.Combine(scripts, "decode-packetdotnet.cs")} -- {Corpus.PathOf("files", SeveralInterfaces)} 8");
        string[] lines = decoded.Split('\n').Where(l => l.Contains(" bytes  ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(8, lines.Length);
        Assert.Equal(6, lines.Count(l => l.Contains("Ethernet / IPv4 / Udp", StringComparison.Ordinal)));  // LinkType 1 -> LinkLayers.Ethernet
        Assert.Equal(2, lines.Count(l => l.Contains("Null / IPv4 / Udp", StringComparison.Ordinal)));      // LinkType 0 -> LinkLayers.Null
    }
}
