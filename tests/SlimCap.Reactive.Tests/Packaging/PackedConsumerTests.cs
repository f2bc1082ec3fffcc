using System.Xml.Linq;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Packaging;

/// <summary>
/// The package as a user gets it: tests/packaging/Consumer restores SlimCap.Reactive from the packed .nupkg through a
/// local folder feed (dependencies from the registry), pins System.Reactive to the package's floor (6.0.1), is
/// published with Native AOT (trim and AOT warnings are errors) and the native binary reads corpus files.
/// </summary>
public sealed class PackedConsumerTests
{
    [Fact]
    public void The_packed_package_carries_its_metadata_readme_and_the_lowest_rx()
    {
        XNamespace ns = "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd";
        XElement metadata = XDocument.Parse(PackedPackage.ReadEntry("SlimCap.Reactive.nuspec")).Root!.Element(ns + "metadata")!;
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.Equal("PACKAGE.md", metadata.Element(ns + "readme")!.Value);
        Assert.StartsWith("https://", metadata.Element(ns + "projectUrl")!.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("Package Description", metadata.Element(ns + "description")!.Value, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "releaseNotes")?.Value));
        XElement rx = metadata.Descendants(ns + "dependency").Single(d => (string?)d.Attribute("id") == "System.Reactive");
        Assert.Equal("6.0.1", (string?)rx.Attribute("version"));
        Assert.Contains("CaptureFileSource", PackedPackage.ReadEntry("PACKAGE.md"), StringComparison.Ordinal);
        Assert.Contains("<member name=\"T:SlimCap.Reactive.Packets.PacketRef\">", PackedPackage.ReadEntry("lib/net10.0/SlimCap.Reactive.xml"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(PackedPackage.Feed, $"SlimCap.Reactive.{PackedPackage.Version}.snupkg")), "no symbol package");
    }

    [Fact]
    public void A_consumer_of_the_nupkg_on_system_reactive_6_0_1_publishes_with_native_aot_and_reads_corpus_files()
    {
        string work = RepositoryPaths.NewTempFolder("consumer");
        try
        {
            foreach (string file in Directory.GetFiles(RepositoryPaths.Of("tests", "packaging", "Consumer")))
                File.Copy(file, Path.Combine(work, Path.GetFileName(file)));
            File.WriteAllText(Path.Combine(work, "NuGet.config"), RepositoryPaths.NuGetConfig(PackedPackage.Feed));
            string output = Path.Combine(work, "out");
            PackedPackage.Dotnet(work, $"publish Consumer.csproj -r linux-x64 -c Release -o {output} -p:SlimCapVersion={PackedPackage.Version}", 480_000);

            string assets = File.ReadAllText(Path.Combine(work, "obj", "project.assets.json"));
            Assert.Contains("\"System.Reactive/6.0.1\"", assets, StringComparison.Ordinal);
            Assert.Contains($"\"SlimCap.Reactive/{PackedPackage.Version}\"", assets, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(output, "SlimCap.Reactive.dll")), "published as IL, not Native AOT");

            foreach ((string file, string manifest) in new[] { ("gopacket-pcapgo-tests-le-test202.pcapng", "beyond-libpcap.tsv"), ("gopacket-pcap-test_dns.pcap", "manifest.tsv") })
            {
                (int exit, string printed) = Shell.Run(Path.Combine(output, "Consumer"), Corpus.PathOf("files", file), 30_000);
                Assert.True(exit == 0, $"the native consumer failed on {file}:\n{printed}");
                string records = Corpus.Table(manifest)[file]["records"];
                Assert.Matches($@"^records={records} bytes=\d+ rx={records} meter={records} aot=True\s*$", printed);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
