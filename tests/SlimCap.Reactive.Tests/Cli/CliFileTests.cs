using System.IO.Compression;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Cli;

/// <summary>
/// <c>slimcap read</c> and <c>slimcap convert</c> on corpus files, with and without a filter, against what tcpdump
/// reads from the same files: the same records, byte for byte, the same counts, and printed lines that agree.
/// </summary>
public sealed class CliFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("slimcap-read-").FullName;

    /// <summary>Every 12th Ethernet corpus file that libpcap reads without error: a spread of protocols, sixteen files at most.</summary>
    private static readonly string[] EthernetFiles = Corpus.Table("manifest.tsv").Values
        .Where(r => r["error"] == "ok" && r["linktype"] == "EN10MB" && int.Parse(r["records"]) is > 0 and < 5000)
        .Select(r => r["file"]).Order(StringComparer.Ordinal).Where((_, i) => i % 12 == 0).Take(16)
        .Select(f => Corpus.PathOf("files", f)).ToArray();

    public static TheoryData<string> Filters => new() { "", "udp", "tcp and port 80", "ip6 or arp", "not ip", "vlan or ether[0] & 1 != 0" };

    [Theory]
    [MemberData(nameof(Filters))]
    public void Read_of_several_files_writes_exactly_the_records_tcpdump_keeps(string filter)
    {
        Tcpdump.Require();
        string output = Path.Combine(_directory, "all.pcapng");
        (int exit, _, string stderr) = SlimCapTool.Run(null, ["read", .. EthernetFiles, .. Words(filter), "-w", output]);
        Assert.True(exit == 0, stderr);

        var expected = EthernetFiles.SelectMany(f => Tcpdump.Records(f, NullIfEmpty(filter))).ToList();
        var written = Tcpdump.Records(output);
        Assert.True(expected.Count > 0 || filter.Length > 0, "the file selection has no records");
        Assert.Equal(expected.Count, written.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].TimestampNs, written[i].TimestampNs);
            Assert.Equal(expected[i].WireLength, written[i].WireLength);
            Assert.Equal(expected[i].Data, written[i].Data);
        }
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public void Count_equals_the_number_of_lines_tcpdump_prints(string filter)
    {
        Tcpdump.Require();
        (int exit, string stdout, string stderr) = SlimCapTool.Run(null, ["read", .. EthernetFiles, .. Words(filter), "--count"]);
        Assert.True(exit == 0, stderr);
        Assert.Equal(EthernetFiles.Sum(f => Tcpdump.Lines(f, NullIfEmpty(filter)).Length), long.Parse(stdout.Trim()));
    }

    [Theory]
    [InlineData("gopacket-pcap-test_loopback.pcap", null)]
    [InlineData("gopacket-pcapgo-tests-be-test016.pcapng", null)]
    [InlineData("gopacket-pcap-test_dns.pcap", "udp dst port 53")]
    public void Convert_writes_the_records_tcpdump_keeps(string file, string? filter)
    {
        Tcpdump.Require();
        string input = Corpus.PathOf("files", file), output = Path.Combine(_directory, "out.pcapng");
        (int exit, _, string stderr) = SlimCapTool.Run(null, ["convert", input, output, .. Words(filter)]);
        Assert.True(exit == 0, stderr);
        var expected = Tcpdump.Records(input, filter);
        var written = Tcpdump.Records(output);
        Assert.Equal(expected.Select(r => (r.TimestampNs, r.WireLength, Convert.ToHexString(r.Data))), written.Select(r => (r.TimestampNs, r.WireLength, Convert.ToHexString(r.Data))));
    }

    [Fact]
    public void Printed_lines_have_tcpdumps_times_and_addresses()
    {
        Tcpdump.Require();
        var utc = new Dictionary<string, string> { ["TZ"] = "UTC" };
        foreach (string file in EthernetFiles)
        {
            (int exit, string stdout, string stderr) = SlimCapTool.Run(null, ["read", file], environment: utc);
            Assert.True(exit == 0, stderr);
            string[] ours = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), theirs = Tcpdump.Lines(file);
            Assert.Equal(theirs.Length, ours.Length);
            for (int i = 0; i < ours.Length; i++)
            {
                Assert.Equal(theirs[i].Split(' ')[0], ours[i].Split(' ')[0]);
                // For plain IPv4/IPv6 UDP and TCP lines, the endpoints up to the colon are tcpdump's.
                if (System.Text.RegularExpressions.Regex.IsMatch(ours[i], @"^\S+ IP6? \S+ > \S+: (UDP|Flags)"))
                    Assert.Equal(theirs[i][..(theirs[i].IndexOf(": ", StringComparison.Ordinal) + 1)], ours[i][..(ours[i].IndexOf(": ", StringComparison.Ordinal) + 1)]);
            }
        }
    }

    [Fact]
    public void Gzip_from_stdin_counts_like_the_plain_file()
    {
        string file = Corpus.PathOf("files", "gopacket-pcap-test_loopback.pcap");
        var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(File.ReadAllBytes(file));
        (int exit, string stdout, string stderr) = SlimCapTool.Run(null, ["read", "-", "--count"], stdin: gz.ToArray());
        Assert.True(exit == 0, stderr);
        Assert.Equal(Corpus.Table("manifest.tsv")["gopacket-pcap-test_loopback.pcap"]["records"], stdout.Trim());
    }

    [Fact]
    public void A_damaged_file_writes_every_record_before_the_damage_and_exits_1_naming_the_offset()
    {
        Tcpdump.Require();
        const string file = "damaged-1-014-cut-tcpdump-ptp_v2_1.pcap";
        Dictionary<string, string> row = Corpus.Table("damaged-manifest.tsv")[file];
        string output = Path.Combine(_directory, "partial.pcap");
        (int exit, _, string stderr) = SlimCapTool.Run(null, ["convert", Corpus.PathOf("damaged", file), output]);
        Assert.Equal(1, exit);
        Assert.Matches(@"slimcap: .*byte offset \d+", stderr.TrimEnd().Split('\n')[^1]);
        Assert.Equal(int.Parse(row["records"]), Tcpdump.Records(output).Count);
    }

    [Theory]
    [InlineData(new[] { "read", "/no/such/file.pcap" }, 1, "no such file")]
    [InlineData(new[] { "read", "-", "tcp", "port" }, 2, "Filter expression 'tcp port'")]
    [InlineData(new[] { "read", "--count", "--json", "-" }, 2, "--count")]
    [InlineData(new[] { "capture", "-i", "lo", "--rotate", "size=1MB" }, 2, "--rotate: rotation needs -w FILE")]
    [InlineData(new[] { "capture", "-i", "lo", "-w", "x.pcap", "--rotate", "bytes=1" }, 2, "unknown key 'bytes'")]
    [InlineData(new[] { "capture", "-i", "lo", "-w", "x.pcap", "--rotate", "files=3" }, 2, "never ends a file")]
    [InlineData(new[] { "capture", "-i", "lo", "--socket", "--fanout", "2" }, 2, "--fanout")]
    [InlineData(new[] { "capture", "-i", "no/such" }, 2, "-i: 'no/such' is not a valid network interface name")]
    [InlineData(new[] { "capture", "-i", "nosuch0" }, 1, "'slimcap list' shows them")]
    [InlineData(new[] { "capture", "-i", "lo", "--bogus" }, 2, "--bogus: is not an option")]
    public void Errors_are_one_line_naming_the_problem_with_the_documented_exit_code(string[] arguments, int code, string text)
    {
        byte[] pcap = File.ReadAllBytes(Corpus.PathOf("files", "gopacket-pcap-test_dns.pcap"));
        (int exit, _, string stderr) = SlimCapTool.Run(null, arguments, stdin: pcap);
        Assert.True(exit == code, $"exit {exit}, expected {code}: {stderr}");
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("slimcap: ", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal));
    }

    private static string[] Words(string? filter) => string.IsNullOrEmpty(filter) ? [] : filter.Split(' ');

    private static string? NullIfEmpty(string filter) => filter.Length == 0 ? null : filter;

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
