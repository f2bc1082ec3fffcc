using SlimCap.Reactive.Filters;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>libpcap-programs.tsv (made by make-libpcap-programs.sh with tcpdump): libpcap's own programs for the valid expressions.</summary>
internal static class LibpcapPrograms
{
    private static readonly Lazy<IReadOnlyDictionary<string, (BpfProgram Optimized, BpfProgram Unoptimized)>> Table = new(Load);

    public static IReadOnlyDictionary<string, (BpfProgram Optimized, BpfProgram Unoptimized)> All => Table.Value;

    private static IReadOnlyDictionary<string, (BpfProgram, BpfProgram)> Load()
    {
        string path = Path.Combine(Corpus.Root, "..", "..", "SlimCap.Reactive.Tests", "FilterLanguage", "libpcap-programs.tsv");
        var table = new Dictionary<string, (BpfProgram, BpfProgram)>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(path).Skip(1))
        {
            string[] f = line.Split('\t');
            BpfProgram opt = BpfProgram.ParseDecimal(f[3].Replace(';', '\n'));
            BpfProgram plain = BpfProgram.ParseDecimal(f[5].Replace(';', '\n'));
            Assert.Equal(int.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture), opt.Length);
            table[f[0]] = (opt, plain);
        }
        return table;
    }
}
