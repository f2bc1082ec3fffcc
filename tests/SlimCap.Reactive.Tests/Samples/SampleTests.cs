using System.Net;
using System.Text.RegularExpressions;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Files;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Samples;

/// <summary>
/// The samples run as a user runs them, against corpus files, and what they print is checked against the corpus
/// (the manifests' record counts, and figures computed here from the records): every samples/linqpad/*.linq body in one
/// generated .NET 10 file-based app with a Dump() stand-in, and samples/scripts/*.cs through `dotnet run`.
/// </summary>
public sealed class SampleTests
{
    private const string Afs = "tcpdump-afs.pcap";
    private const string SeveralInterfaces = "gopacket-pcapgo-tests-le-test202.pcapng";

    private static readonly Dictionary<string, string> LinqPadInputs = new(StringComparer.Ordinal)
    {
        ["top-talkers"] = Afs, ["packet-sizes"] = Afs, ["flows-per-second"] = Afs, ["interfaces"] = SeveralInterfaces,
    };

    private static string DotnetRun(string directory, string arguments)
    {
        (int exit, string output) = Shell.Run("dotnet", "run " + arguments, 300_000, directory);
        Assert.True(exit == 0, $"dotnet run {arguments} exited with {exit}:\n{output}");
        return output;
    }

    private static List<FileRecordCopy> Records(string file)
    {
        (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(() => CaptureFileSource.Open(Corpus.PathOf("files", file)));
        Assert.Null(error);
        return records;
    }

    private static string? Ipv4Source(FileRecordCopy r) =>
        r.LinkType == LinkType.Ethernet && r.Data.Length >= 34 && r.Data[12] == 0x08 && r.Data[13] == 0x00 && r.Data[14] >> 4 == 4
            ? new IPAddress(r.Data.AsSpan(26, 4)).ToString() : null;

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

            List<FileRecordCopy> afs = Records(Afs);
            string records = Corpus.Table("manifest.tsv")[Afs]["records"];
            Assert.Equal(afs.Count.ToString(), records);

            IReadOnlyList<string> top = output.Section("top-talkers");
            Assert.Contains($"{records} packets", top);
            var expectedTop = afs.Where(r => Ipv4Source(r) is not null).GroupBy(r => Ipv4Source(r)!)
                .Select(g => (Source: g.Key, Packets: g.Count(), Bytes: g.Sum(r => r.TotalLength)))
                .OrderByDescending(g => g.Bytes).ThenBy(g => g.Source, StringComparer.Ordinal).Take(10).ToList();
            Assert.Equal(expectedTop.Select(t => $"{{ Source = {t.Source}, Packets = {t.Packets}, Bytes = {t.Bytes} }}"),
                top.Where(l => l.StartsWith("{ ", StringComparison.Ordinal)));

            IReadOnlyList<string> sizes = output.Section("packet-sizes");
            Assert.Contains($"{records} packets", sizes);
            var expectedSizes = afs.GroupBy(r => r.TotalLength < 64 ? 0 : Math.Min(2048, 1L << (63 - (int)long.LeadingZeroCount(r.TotalLength))))
                .OrderBy(g => g.Key).Select(g => (g.Key.ToString(), g.Count().ToString())).ToList();
            Assert.Equal(expectedSizes, SampleOutput.Rows(sizes).Select(r => (r["From"], r["Packets"])));

            IReadOnlyList<string> flows = output.Section("flows-per-second");
            var seconds = afs.GroupBy(r => r.Ns / 1_000_000_000).OrderBy(g => g.Key).ToList();
            Assert.Contains($"{seconds.Count} seconds", flows);
            List<Dictionary<string, string>> flowRows = SampleOutput.Rows(flows);
            Assert.Equal(seconds.Select(g => g.Count().ToString()), flowRows.Select(r => r["Packets"]));
            Assert.All(flowRows, r => Assert.InRange(int.Parse(r["Flows"]), 1, int.Parse(r["Packets"])));

            IReadOnlyList<string> interfaces = output.Section("interfaces");
            List<FileRecordCopy> several = Records(SeveralInterfaces);
            Assert.Contains($"{several.Count} packets", interfaces);
            List<Dictionary<string, string>> byInterface = SampleOutput.Rows(interfaces).Where(r => r.ContainsKey("Interface")).ToList();
            Assert.Equal(several.GroupBy(r => r.LinkType).OrderBy(g => g.Key).Select(g => (g.Key.ToString(), g.Count())),
                byInterface.GroupBy(r => r["LinkType"]).OrderBy(g => Enum.Parse<LinkType>(g.Key)).Select(g => (g.Key, g.Sum(r => int.Parse(r["Packets"])))));
            Assert.Equal(3, interfaces.Count(l => l.StartsWith("PacketSnapshot { ", StringComparison.Ordinal))); // snapshots, not dead refs
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
        List<FileRecordCopy> afs = Records(Afs);
        Assert.Contains($"{afs.Count} packets from {Corpus.PathOf("files", Afs)}", top);
        var first = afs.Where(r => Ipv4Source(r) is not null).GroupBy(r => Ipv4Source(r)!)
            .OrderByDescending(g => g.Sum(r => r.TotalLength)).ThenBy(g => g.Key, StringComparer.Ordinal).First();
        Assert.Matches($@"(?m)^{Regex.Escape(first.Key)} +{first.Count()} +{first.Sum(r => r.TotalLength)}\s*$", top);

        string decoded = DotnetRun(RepositoryPaths.Root, $"{Path.Combine(scripts, "decode-packetdotnet.cs")} -- {Corpus.PathOf("files", SeveralInterfaces)} 8");
        string[] lines = decoded.Split('\n').Where(l => l.Contains(" bytes  ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(8, lines.Length);
        Assert.Equal(6, lines.Count(l => l.Contains("Ethernet / IPv4 / Udp", StringComparison.Ordinal)));  // LinkType 1 -> LinkLayers.Ethernet
        Assert.Equal(2, lines.Count(l => l.Contains("Null / IPv4 / Udp", StringComparison.Ordinal)));      // LinkType 0 -> LinkLayers.Null
    }
}
