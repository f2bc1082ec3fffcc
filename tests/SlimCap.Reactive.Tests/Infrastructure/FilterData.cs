using System.Security.Cryptography;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Filters;
using SlimCap.Reactive.Packets;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>One row of tests/data/filters/expressions.tsv.</summary>
internal sealed record FilterExpression(string Id, string Category, string Expression, bool Valid, string CompileError);

/// <summary>One record of the filter corpus: its captured bytes, wire length and manifest encoding.</summary>
internal sealed record FilterRecord(byte[] Data, uint WireLength, byte[] Encoded);

/// <summary>tests/data/filters: the expressions, libpcap's results, and the Ethernet records they were run over.</summary>
internal static class FilterData
{
    private static readonly Lazy<string> Folder = new(() => Path.Combine(Corpus.Root, "..", "filters"));
    private static readonly Lazy<IReadOnlyList<FilterExpression>> ExpressionRows = new(LoadExpressions);
    private static readonly Lazy<IReadOnlyList<(string File, IReadOnlyList<FilterRecord> Records)>> FileRecords = new(LoadFiles);

    public static IReadOnlyList<FilterExpression> Expressions => ExpressionRows.Value;

    /// <summary>The 253 files in scope, in files.tsv order, with their records as libpcap presents them.</summary>
    public static IReadOnlyList<(string File, IReadOnlyList<FilterRecord> Records)> Files => FileRecords.Value;

    public static FilterExpression Get(string id) => Expressions.Single(e => e.Id == id);

    /// <summary>ground-truth.tsv: id to (records kept, md5 over the per-file digests).</summary>
    public static IReadOnlyDictionary<string, (int Records, string Md5)> GroundTruth() =>
        Rows("ground-truth.tsv").ToDictionary(r => r[0], r => (int.Parse(r[3], System.Globalization.CultureInfo.InvariantCulture), r[4]));

    /// <summary>detail.tsv: (id, file) to (records kept, md5).</summary>
    public static IReadOnlyDictionary<(string Id, string File), (int Records, string Md5)> Detail() =>
        Rows("detail.tsv").ToDictionary(r => (r[0], r[1]), r => (int.Parse(r[2], System.Globalization.CultureInfo.InvariantCulture), r[3]));

    public const string EmptyMd5 = "d41d8cd98f00b204e9800998ecf8427e";

    /// <summary>Per file: how many records <paramref name="keeps"/> keeps and the md5 of them in manifest encoding.</summary>
    public static List<(string File, int Records, string Md5)> Apply(Func<FilterRecord, bool> keeps)
    {
        var result = new List<(string, int, string)>();
        foreach ((string file, IReadOnlyList<FilterRecord> records) in Files)
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            int kept = 0;
            foreach (FilterRecord r in records)
            {
                if (!keeps(r)) continue;
                md5.AppendData(r.Encoded);
                kept++;
            }
            result.Add((file, kept, Convert.ToHexStringLower(md5.GetHashAndReset())));
        }
        return result;
    }

    /// <summary>The ground truth's md5: over the concatenated per-file digests as lowercase hex, in files.tsv order.</summary>
    public static string CombinedMd5(IEnumerable<(string File, int Records, string Md5)> perFile) =>
        Convert.ToHexStringLower(MD5.HashData(System.Text.Encoding.ASCII.GetBytes(string.Concat(perFile.Select(p => p.Md5)))));

    private static IEnumerable<string[]> Rows(string name) =>
        File.ReadAllLines(Path.Combine(Folder.Value, name)).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t'));

    private static IReadOnlyList<FilterExpression> LoadExpressions() =>
        Rows("expressions.tsv").Select(r => new FilterExpression(r[0], r[1], r[2], r[3] == "yes", r.Length > 4 ? r[4] : "")).ToList();

    private static IReadOnlyList<(string, IReadOnlyList<FilterRecord>)> LoadFiles()
    {
        var files = new List<(string, IReadOnlyList<FilterRecord>)>();
        Span<byte> header = stackalloc byte[16];
        foreach (string[] row in Rows("files.tsv"))
        {
            var records = new List<FilterRecord>();
            using (CaptureFileSource source = CaptureFileSource.Open(Corpus.PathOf("files", row[0])))
            {
                while (source.NextPacketRef(out PacketRef p) == CaptureStatus.Packet)
                {
                    RecordDigest.WriteHeader(header, p);
                    byte[] data = p.Data.ToArray();
                    records.Add(new FilterRecord(data, (uint)p.TotalLength, [.. header, .. data]));
                }
            }
            Assert.Equal(int.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture), records.Count);
            files.Add((row[0], records));
        }
        return files;
    }

    /// <summary>Every record of the corpus, for verdict comparisons.</summary>
    public static IEnumerable<FilterRecord> AllRecords => Files.SelectMany(f => f.Records);

    /// <summary>Whether <paramref name="program"/> keeps <paramref name="record"/>, run by BpfProgram's interpreter.</summary>
    public static bool Keeps(BpfProgram program, FilterRecord record) => program.Run(record.Data, record.WireLength) != 0;
}
