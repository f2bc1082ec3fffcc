using SlimCap.Reactive.Files;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// Every row of the corpus manifests: the reader must return the same records (count and md5 of the
/// manifest encoding), the same link types, and an error exactly where the ground truth has one.
/// Rows that record a libpcap limit on valid pcapng are checked against Wireshark's ground truth, and
/// test901 against the values in the corpus README (its unknown-version section skipped).
/// </summary>
public class CorpusManifestTests
{
    private const string Test901Md5 = "ec7cbbbe14c7867bc5d574bb88cbb9dc";

    public static IEnumerable<TheoryDataRow<string>> Files() =>
        Corpus.Table("manifest.tsv").Keys.Select(f => new TheoryDataRow<string>(f));

    public static IEnumerable<TheoryDataRow<string>> DamagedFiles() =>
        Corpus.Table("damaged-manifest.tsv").Keys.Select(f => new TheoryDataRow<string>(f));

    [Theory]
    [MemberData(nameof(Files))]
    public void File_matches_manifest(string file) => Check("files", "manifest.tsv", "beyond-libpcap.tsv", file);

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public void Damaged_file_matches_manifest(string file) => Check("damaged", "damaged-manifest.tsv", "damaged-beyond-libpcap.tsv", file);

    [Theory]
    [MemberData(nameof(Files))]
    public void Gzip_compressed_file_matches_manifest(string file) =>
        Check("files", "manifest.tsv", "beyond-libpcap.tsv", file, gzip: true);

    [Theory]
    [MemberData(nameof(DamagedFiles))]
    public void Damaged_file_read_in_small_chunks_from_a_pipe_matches_manifest(string file) =>
        Check("damaged", "damaged-manifest.tsv", "damaged-beyond-libpcap.tsv", file, chunked: true);

    [Fact]
    public void Manifests_list_every_file()
    {
        Assert.Equal(442, Corpus.Table("manifest.tsv").Count);
        Assert.Equal(60, Corpus.Table("damaged-manifest.tsv").Count);
    }

    private static void Check(string folder, string manifest, string beyond, string file, bool gzip = false, bool chunked = false)
    {
        Dictionary<string, string> row = Corpus.Table(manifest)[file];
        string path = Corpus.PathOf(folder, file);
        RecordDigest got = RecordDigest.Of(() =>
        {
            if (!gzip && !chunked) return CaptureFileSource.Open(path);
            byte[] bytes = File.ReadAllBytes(path);
            if (gzip)
            {
                var compressed = new MemoryStream();
                using (var z = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) z.Write(bytes);
                bytes = compressed.ToArray();
            }
            Stream stream = chunked ? new ChunkedStream(bytes, bytes.Length, 97) : new MemoryStream(bytes, writable: false);
            CaptureFileSource source = CaptureFileSource.Open(stream, path);
            Assert.Equal(gzip, source.IsCompressed);
            return source;
        });
        if (got.Error is not null && got.Error is not CaptureFileException)
            Assert.Fail($"expected only CaptureFileException, got {got.Error}");

        bool limit = Corpus.IsLimitRow(row["error"]);
        int records;
        string md5, error;
        string? runs = null;
        if (limit && file.Contains("test901", StringComparison.Ordinal))
        {
            (records, md5, error, runs) = (2, Test901Md5, "ok", "1x2");
        }
        else if (limit)
        {
            Dictionary<string, string> b = Corpus.Table(beyond)[file];
            (records, md5, error, runs) = (int.Parse(b["records"]), b["records_md5"], b["error"], b["linktypes"]);
        }
        else
        {
            (records, md5, error) = (int.Parse(row["records"]), row["records_md5"], row["error"]);
        }

        Assert.True(records == got.Records, $"records: expected {records}, got {got.Records}; error {got.Error?.Message ?? "none"}");
        Assert.Equal(md5, got.Md5);
        if (error == "ok") Assert.True(got.Error is null, $"expected a clean end, got: {got.Error?.Message}");
        else Assert.True(got.Error is not null, $"expected an error after {records} records (ground truth: {error}), got a clean end");

        if (runs is not null)
        {
            Assert.Equal(runs, got.LinkTypeRuns);
        }
        else if (row["linktype"] != "?")
        {
            int expected = Corpus.LinkTypeNumber(row["linktype"].Split(',')[0]);
            Assert.All(got.LinkTypes, lt => Assert.Equal(expected, lt));
            if (got.SourceLinkType is { } sourceLinkType) Assert.Equal(expected, sourceLinkType);
        }
        if (got.Error is CaptureFileException fileError)
        {
            Assert.Contains("offset", fileError.Message, StringComparison.Ordinal);
            Assert.InRange(fileError.Offset, 0, new FileInfo(path).Length);
        }
    }
}
