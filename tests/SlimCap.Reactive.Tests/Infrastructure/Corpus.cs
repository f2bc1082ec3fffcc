
namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>The public capture corpus (tests/data/corpus in the repository: files, manifests, licences, provenance) and its manifests.</summary>
internal static class Corpus
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The corpus folder.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The four error texts (after "tcpdump: " and an optional "pcap_loop: ") of rows that record a libpcap limit.</summary>
    private static readonly string[] LimitTexts =
    [
        "an interface has a type",
        "an interface has a snapshot length",
        "the capture file has no Interface Description Blocks",
        "unknown pcapng savefile major version number",
    ];

    public static string PathOf(string folder, string file) => Path.Combine(Root, folder, file);

    /// <summary>Rows of a tab-separated manifest, keyed by file name, as column name to value.</summary>
    public static IReadOnlyDictionary<string, Dictionary<string, string>> Table(string fileName)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Root, fileName));
        string[] columns = lines[0].Split('\t');
        var rows = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (string line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            string[] cells = line.Split('\t');
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < columns.Length; i++) row[columns[i]] = i < cells.Length ? cells[i] : "";
            rows[cells[0]] = row;
        }
        return rows;
    }

    public static bool IsLimitRow(string error)
    {
        string e = error.StartsWith("tcpdump: ", StringComparison.Ordinal) ? error["tcpdump: ".Length..] : error;
        if (e.StartsWith("pcap_loop: ", StringComparison.Ordinal)) e = e["pcap_loop: ".Length..];
        return LimitTexts.Any(t => e.StartsWith(t, StringComparison.Ordinal));
    }

    /// <summary>LINKTYPE numbers of the names the manifests use (corpus README).</summary>
    public static int LinkTypeNumber(string name) => name switch
    {
        "NULL" => 0, "EN10MB" => 1, "SLIP" => 8, "PPP" => 9, "PPP_SERIAL" => 50, "RAW" => 101, "C_HDLC" => 104,
        "IEEE802_11" => 105, "ATM_CLIP" => 106, "FRELAY" => 107, "LINUX_SLL" => 113, "SUNATM" => 123,
        "IEEE802_11_RADIO" => 127, "ARCNET_LINUX" => 129, "JUNIPER_ES" => 132, "JUNIPER_ATM1" => 137,
        "JUNIPER_MONITOR" => 164, "JUNIPER_ETHER" => 178, "MFR" => 182, "IEEE802_15_4" => 195, "IPNET" => 226,
        "IPV4" => 228, "IPV6" => 229, "IPOIB" => 242, "DSA_TAG_BRCM" => 281, "DSA_TAG_DSA" => 284, "DSA_TAG_EDSA" => 285,
        _ => int.Parse(name, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string FindRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "SlimCap.Reactive.sln")))
                return Path.Combine(d.FullName, "tests", "data", "corpus");
        }
        throw new DirectoryNotFoundException("SlimCap.Reactive.sln not found above " + AppContext.BaseDirectory);
    }
}
