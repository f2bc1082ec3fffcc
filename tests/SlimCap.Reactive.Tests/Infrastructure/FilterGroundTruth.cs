using System.Security.Cryptography;
using SlimCap.Reactive.Files;

namespace SlimCap.Reactive.Tests.Infrastructure;

/// <summary>
/// tests/data/filters: pcap-filter expressions with libpcap 1.10.3's verdicts over the Ethernet files of the corpus
/// (see its README). The records are read once and kept, so many programs can run over them.
/// </summary>
internal static class FilterGroundTruth
{
    private static readonly Lazy<string> FolderPath = new(() => Path.Combine(Path.GetDirectoryName(Corpus.Root)!, "filters"));
    private static readonly Lazy<IReadOnlyList<(string File, List<FileRecordCopy> Records)>> AllRecords = new(ReadRecords);

    /// <summary>Rows of expressions.tsv: id, expression, whether libpcap compiles it.</summary>
    public static IEnumerable<(string Id, string Expression, bool Valid)> Expressions() =>
        Rows("expressions.tsv").Select(r => (r[0], r[2], r[3] == "yes"));

    /// <summary>detail.tsv: (expression id, file) to the records kept and their md5; a missing pair keeps none.</summary>
    public static IReadOnlyDictionary<(string Id, string File), (int Records, string Md5)> Detail { get; } =
        Rows("detail.tsv").ToDictionary(r => (r[0], r[1]), r => (int.Parse(r[2]), r[3]));

    /// <summary>Every record of every file in scope (files.tsv), as libpcap presents it.</summary>
    public static IReadOnlyList<(string File, List<FileRecordCopy> Records)> Records => AllRecords.Value;

    /// <summary>The count and md5 (corpus manifest encoding) of the records <paramref name="keep"/> keeps.</summary>
    public static (int Records, string Md5) Digest(IEnumerable<FileRecordCopy> records, Func<FileRecordCopy, bool> keep)
    {
        List<FileRecordCopy> kept = records.Where(keep).ToList();
        return (kept.Count, Convert.ToHexStringLower(MD5.HashData(FileRecords.ManifestEncoding(kept))));
    }

    /// <summary>
    /// Every (file, expected, actual) where <paramref name="keep"/> keeps other records than libpcap did for
    /// expression <paramref name="id"/>.
    /// </summary>
    public static List<string> Differences(string id, Func<FileRecordCopy, bool> keep)
    {
        var differences = new List<string>();
        foreach ((string file, List<FileRecordCopy> records) in Records)
        {
            (int, string) expected = Detail.TryGetValue((id, file), out var e) ? e : (0, "d41d8cd98f00b204e9800998ecf8427e");
            (int, string) actual = Digest(records, keep);
            if (expected != actual) differences.Add($"{id} {file}: libpcap {expected}, ours {actual}");
        }
        return differences;
    }

    private static IEnumerable<string[]> Rows(string name) =>
        File.ReadLines(Path.Combine(FolderPath.Value, name)).Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t'));

    private static IReadOnlyList<(string, List<FileRecordCopy>)> ReadRecords()
    {
        var result = new List<(string, List<FileRecordCopy>)>();
        foreach (string[] row in Rows("files.tsv"))
        {
            (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(() => CaptureFileSource.Open(Corpus.PathOf("files", row[0])));
            if (error is not null) throw new InvalidOperationException($"{row[0]} is in scope but does not read: {error.Message}");
            if (records.Count != int.Parse(row[1])) throw new InvalidOperationException($"{row[0]}: {records.Count} records, files.tsv says {row[1]}");
            result.Add((row[0], records));
        }
        return result;
    }
}
