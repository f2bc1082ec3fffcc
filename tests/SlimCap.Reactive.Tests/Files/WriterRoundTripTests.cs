using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// Every corpus file (damaged ones up to their damage) read, written as pcap and as pcapng, and read
/// back: the same records, and writing what was read back gives the same bytes again.
/// </summary>
public class WriterRoundTripTests
{
    public static IEnumerable<TheoryDataRow<string, string>> AllFiles() =>
        Corpus.Table("manifest.tsv").Keys.Select(f => new TheoryDataRow<string, string>("files", f))
            .Concat(Corpus.Table("damaged-manifest.tsv").Keys.Select(f => new TheoryDataRow<string, string>("damaged", f)));

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void Pcap_round_trip_is_exact(string folder, string file)
    {
        string path = Corpus.PathOf(folder, file);
        (List<FileRecordCopy> original, _) = FileRecords.Read(() => CaptureFileSource.Open(path));
        (byte[] written, Exception? error) = FileRecords.Convert(() => CaptureFileSource.Open(path), CaptureFileFormat.Pcap);

        if (original.Select(r => r.LinkType).Distinct().Count() > 1)
        {
            // pcap holds one link type: the writer refuses the first record of another and says what to do.
            var mixed = Assert.IsType<CaptureFileException>(error);
            Assert.Contains("pcapng", mixed.Message, StringComparison.Ordinal);
            return;
        }

        (List<FileRecordCopy> back, Exception? readBackError) = FileRecords.Read(written);
        Assert.Null(readBackError);
        Assert.Equal(original.Count, back.Count);
        for (int i = 0; i < original.Count; i++)
        {
            FileRecordCopy a = original[i], b = back[i];
            // The header fields libpcap writes: seconds cut to 32 bits (times past 2106), and a fraction that held
            // whole seconds kept in the fraction, cut to its low 32 bits (a microsecond field above 4,294,967).
            ulong ns = (ulong)a.Ns;
            uint seconds = (uint)(ns / 1_000_000_000UL - a.Carry);
            uint fraction = unchecked((uint)(ns % 1_000_000_000UL + a.Carry * 1_000_000_000UL));
            Assert.Equal((long)(seconds * 1_000_000_000UL + fraction), b.Ns);
            Assert.Equal(fraction / 1_000_000_000u, b.Carry);
            Assert.Equal(a.TotalLength, b.TotalLength);
            Assert.Equal(a.LinkType, b.LinkType);
            Assert.Equal(a.Data, b.Data);
        }
        (byte[] again, _) = FileRecords.Convert(written, CaptureFileFormat.Pcap);
        Assert.Equal(written, again);
    }

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void Pcapng_round_trip_is_exact(string folder, string file)
    {
        string path = Corpus.PathOf(folder, file);
        (List<FileRecordCopy> original, Exception? damage) = FileRecords.Read(() => CaptureFileSource.Open(path));
        (byte[] written, Exception? error) = FileRecords.Convert(() => CaptureFileSource.Open(path), CaptureFileFormat.PcapNg);
        // The one error a conversion may end with is the input's own damage, after writing every record before it:
        // pcapng takes every link type, so the writer itself refuses nothing.
        Assert.Equal(damage?.GetType(), error?.GetType());
        Assert.Equal(damage?.Message, error?.Message);

        (List<FileRecordCopy> back, Exception? readBackError) = FileRecords.Read(written);
        Assert.Null(readBackError);
        Assert.Equal(original.Count, back.Count);
        for (int i = 0; i < original.Count; i++)
        {
            FileRecordCopy a = original[i], b = back[i];
            Assert.Equal(a.Ns, b.Ns);
            Assert.Equal(a.TotalLength, b.TotalLength);
            Assert.Equal(a.LinkType, b.LinkType);
            Assert.Equal(a.Type, b.Type);
            Assert.Equal(a.Data, b.Data);
        }
        (byte[] again, _) = FileRecords.Convert(written, CaptureFileFormat.PcapNg);
        Assert.Equal(written, again);
    }
}
