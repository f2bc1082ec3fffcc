using System.Net;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// What each sample experiment (LINQPad query or notebook: the same four) must show for its corpus input, computed here
/// from the records: the lines given are what the sample printed, anonymous-object rows as "{ A = 1, B = x }".
/// </summary>
internal static class SampleChecks
{
    /// <summary>The input of the top-talkers, packet-sizes and flows-per-second experiments.</summary>
    public const string Afs = "tcpdump-afs.pcap";

    /// <summary>The input of the interfaces experiment: a pcapng file with two interfaces of two link types.</summary>
    public const string SeveralInterfaces = "gopacket-pcapgo-tests-le-test202.pcapng";

    /// <summary>Each experiment's input, by sample name (a new sample needs its input here).</summary>
    public static readonly IReadOnlyDictionary<string, string> Inputs = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["top-talkers"] = Afs, ["packet-sizes"] = Afs, ["flows-per-second"] = Afs, ["interfaces"] = SeveralInterfaces,
    };

    /// <summary>Checks what the experiment <paramref name="name"/> printed.</summary>
    public static void Check(string name, IReadOnlyList<string> lines)
    {
        switch (name)
        {
            case "top-talkers": TopTalkers(lines); break;
            case "packet-sizes": PacketSizes(lines); break;
            case "flows-per-second": FlowsPerSecond(lines); break;
            case "interfaces": Interfaces(lines); break;
            default: Assert.Fail($"no check for the sample '{name}'"); break;
        }
    }

    /// <summary>The records of a corpus file, read by the library (the samples' own reader is what is under test).</summary>
    public static List<FileRecordCopy> Records(string file)
    {
        (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(() => CaptureFileSource.Open(Corpus.PathOf("files", file)));
        Assert.Null(error);
        return records;
    }

    public static string? Ipv4Source(FileRecordCopy r) =>
        r.LinkType == LinkType.Ethernet && r.Data.Length >= 34 && r.Data[12] == 0x08 && r.Data[13] == 0x00 && r.Data[14] >> 4 == 4
            ? new IPAddress(r.Data.AsSpan(26, 4)).ToString() : null;

    /// <summary>The ten IPv4 sources with the most bytes on the wire (ties by address), as the samples order them.</summary>
    public static List<(string Source, int Packets, long Bytes)> TopTalkers(List<FileRecordCopy> records) =>
        records.Where(r => Ipv4Source(r) is not null).GroupBy(r => Ipv4Source(r)!)
            .Select(g => (Source: g.Key, Packets: g.Count(), Bytes: g.Sum(r => r.TotalLength)))
            .OrderByDescending(g => g.Bytes).ThenBy(g => g.Source, StringComparer.Ordinal).Take(10).ToList();

    public static void TopTalkers(IReadOnlyList<string> lines)
    {
        List<FileRecordCopy> afs = Records(Afs);
        Assert.Equal(Corpus.Table("manifest.tsv")[Afs]["records"], afs.Count.ToString());
        Assert.Contains($"{afs.Count} packets", lines);
        Assert.Equal(TopTalkers(afs).Select(t => $"{{ Source = {t.Source}, Packets = {t.Packets}, Bytes = {t.Bytes} }}"),
            lines.Where(l => l.StartsWith("{ ", StringComparison.Ordinal)));
    }

    public static void PacketSizes(IReadOnlyList<string> lines)
    {
        List<FileRecordCopy> afs = Records(Afs);
        Assert.Contains($"{afs.Count} packets", lines);
        var expected = afs.GroupBy(r => r.TotalLength < 64 ? 0 : Math.Min(2048, 1L << (63 - (int)long.LeadingZeroCount(r.TotalLength))))
            .OrderBy(g => g.Key).Select(g => (g.Key.ToString(), g.Count().ToString())).ToList();
        Assert.Equal(expected, SampleOutput.Rows(lines).Select(r => (r["From"], r["Packets"])));
    }

    public static void FlowsPerSecond(IReadOnlyList<string> lines)
    {
        var seconds = Records(Afs).GroupBy(r => r.Ns / 1_000_000_000).OrderBy(g => g.Key).ToList();
        Assert.Contains($"{seconds.Count} seconds", lines);
        List<Dictionary<string, string>> rows = SampleOutput.Rows(lines);
        Assert.Equal(seconds.Select(g => g.Count().ToString()), rows.Select(r => r["Packets"]));
        Assert.All(rows, r => Assert.InRange(int.Parse(r["Flows"]), 1, int.Parse(r["Packets"])));
    }

    public static void Interfaces(IReadOnlyList<string> lines)
    {
        List<FileRecordCopy> several = Records(SeveralInterfaces);
        Assert.Contains($"{several.Count} packets", lines);
        List<Dictionary<string, string>> byInterface = SampleOutput.Rows(lines).Where(r => r.ContainsKey("Interface")).ToList();
        Assert.Equal(several.GroupBy(r => r.LinkType).OrderBy(g => g.Key).Select(g => (g.Key.ToString(), g.Count())),
            byInterface.GroupBy(r => r["LinkType"]).OrderBy(g => Enum.Parse<LinkType>(g.Key)).Select(g => (g.Key, g.Sum(r => int.Parse(r["Packets"])))));
        Assert.Equal(3, lines.Count(l => l.StartsWith("PacketSnapshot { ", StringComparison.Ordinal))); // snapshots, not dead refs
    }
}
