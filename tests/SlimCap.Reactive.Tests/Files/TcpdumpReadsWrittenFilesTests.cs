using SlimCap.Reactive.Files;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// tcpdump (libpcap) reads every file the writers produce from the corpus without error, and returns
/// the same records: <c>tcpdump --time-stamp-precision=nano -r F -w -</c> minus its 24-byte header is the
/// manifest encoding of what our reader reads back from F. Skipped, saying so, when tcpdump is missing.
/// </summary>
public class TcpdumpReadsWrittenFilesTests
{
    [Theory]
    [MemberData(nameof(SingleLinkTypeFiles))]
    public void Tcpdump_reads_written_pcap(string folder, string file) => Check(folder, file, CaptureFileFormat.Pcap);

    [Theory]
    [MemberData(nameof(SingleLinkTypeFiles))]
    public void Tcpdump_reads_written_pcapng(string folder, string file) => Check(folder, file, CaptureFileFormat.PcapNg);

    /// <summary>
    /// The corpus files whose interfaces share one link type: the others cannot become pcap at all, and libpcap 1.10
    /// refuses pcapng files whose interfaces differ in link type.
    /// </summary>
    public static IEnumerable<TheoryDataRow<string, string>> SingleLinkTypeFiles()
    {
        foreach ((string folder, string manifest) in new[] { ("files", "manifest.tsv"), ("damaged", "damaged-manifest.tsv") })
        {
            foreach ((string file, Dictionary<string, string> row) in Corpus.Table(manifest))
            {
                if (row["linktype"].Contains(',', StringComparison.Ordinal)) continue;
                yield return new TheoryDataRow<string, string>(folder, file);
            }
        }
    }

    private static void Check(string folder, string file, CaptureFileFormat format)
    {
        if (Tcpdump.Path is null) Assert.Skip("tcpdump is not installed (apt-get install -y tcpdump); cannot check that libpcap reads the written files.");
        string path = Corpus.PathOf(folder, file);
        (byte[] written, _) = FileRecords.Convert(() => CaptureFileSource.Open(path), format);
        (List<FileRecordCopy> back, Exception? error) = FileRecords.Read(written);
        Assert.Null(error);

        string temp = Path.Combine(Path.GetTempPath(), $"slimcap-{Guid.NewGuid():N}{(format == CaptureFileFormat.PcapNg ? ".pcapng" : ".pcap")}");
        try
        {
            File.WriteAllBytes(temp, written);
            (int exitCode, byte[] stdout, string stderr) = Tcpdump.Run("--time-stamp-precision=nano", "-r", temp, "-w", "-");
            Assert.True(exitCode == 0, $"tcpdump failed ({exitCode}): {stderr}");
            Assert.DoesNotContain("tcpdump:", stderr, StringComparison.Ordinal);
            Assert.True(stdout.Length >= 24, "tcpdump wrote no file header");
            Assert.Equal(FileRecords.ManifestEncoding(back), stdout[24..]);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
