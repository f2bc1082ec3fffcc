using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>Format cases the corpus does not hold: versions with swapped lengths, Kuznetsov, big-endian nanoseconds, hostile lengths, pcapng options.</summary>
public class ReaderFormatTests
{
    private static readonly byte[] Frame = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();

    private static (List<FileRecordCopy> Records, Exception? Error) Read(CaptureFileBuilder b) => FileRecords.Read(b.ToArray());

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pcap_nanosecond_magic_keeps_the_stored_fraction_in_either_byte_order(bool bigEndian)
    {
        var b = new CaptureFileBuilder(bigEndian).PcapHeader(0xA1B23C4D, 2, 4, 65535, 1)
            .PcapRecord(1_700_000_000, 123_456_789, 100, 200, Frame)
            .PcapRecord(1_700_000_000, 1_500_000_000, 100, 100, Frame);
        (List<FileRecordCopy> records, Exception? error) = Read(b);
        Assert.Null(error);
        Assert.Equal(1_700_000_000_123_456_789L, records[0].Ns);
        Assert.Equal(200, records[0].TotalLength);
        // A fraction of 1.5 s: the timestamp means 1.5 s later; the stored fields stay recoverable.
        Assert.Equal(1_700_000_001_500_000_000L, records[1].Ns);
        Assert.Equal(1, records[1].Carry);
        Assert.Equal(Frame, records[1].Data);
    }

    [Fact]
    public void Pcap_microsecond_fraction_of_a_second_or_more_is_scaled_not_fixed_up()
    {
        var b = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 65535, 1)
            .PcapRecord(10, 1_000_000, 100, 100, Frame)
            .PcapRecord(10, 2_147_483_648, 100, 100, Frame);
        (List<FileRecordCopy> records, _) = Read(b);
        byte[] encoded = FileRecords.ManifestEncoding(records);
        // libpcap: usec x 1000 cut to 32 bits; 2^31 usec gives 0.
        Assert.Equal(10u, BitConverter.ToUInt32(encoded, 0));
        Assert.Equal(1_000_000_000u, BitConverter.ToUInt32(encoded, 4));
        Assert.Equal(10u, BitConverter.ToUInt32(encoded, 16 + 100));
        Assert.Equal(0u, BitConverter.ToUInt32(encoded, 16 + 100 + 4));
    }

    [Theory]
    [InlineData(2, 2, 200u, 100u, 100, 200)]   // 2.0-2.2: caplen and len stored swapped
    [InlineData(543, 0, 200u, 100u, 100, 200)] // DG/UX
    [InlineData(2, 3, 200u, 100u, 100, 200)]   // 2.3: swapped only when caplen > len
    [InlineData(2, 3, 100u, 200u, 100, 200)]
    [InlineData(2, 4, 100u, 200u, 100, 200)]
    public void Pcap_versions_with_swapped_lengths(int major, int minor, uint capturedField, uint lengthField, int captured, long length)
    {
        var b = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, (ushort)major, (ushort)minor, 65535, 1)
            .PcapRecord(1, 2, capturedField, lengthField, Frame.AsSpan(0, captured));
        (List<FileRecordCopy> records, Exception? error) = Read(b);
        Assert.Null(error);
        Assert.Equal(captured, records.Single().CapturedLength);
        Assert.Equal(length, records.Single().TotalLength);
    }

    [Theory]
    [InlineData(1, 0, "archaic")]
    [InlineData(2, 5, "unsupported pcap savefile version 2.5")]
    [InlineData(3, 0, "unsupported")]
    public void Pcap_other_versions_are_refused(int major, int minor, string message)
    {
        var b = new CaptureFileBuilder(true).PcapHeader(0xA1B2C3D4, (ushort)major, (ushort)minor, 65535, 1);
        var e = Assert.IsType<CaptureFileException>(Read(b).Error);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(4, e.Offset);
    }

    [Fact]
    public void Kuznetsov_records_have_24_byte_headers_and_ethernet_gets_14_more_snapshot_bytes()
    {
        var b = new CaptureFileBuilder(false).PcapHeader(0xA1B2CD34, 2, 4, 50, 1)
            .PcapRecord(1, 500_000, 64, 64, Frame.AsSpan(0, 64), kuznetsov: true)
            .PcapRecord(2, 0, 70, 90, Frame.AsSpan(0, 70), kuznetsov: true);
        (List<FileRecordCopy> records, Exception? error) = Read(b);
        Assert.Null(error);
        Assert.Equal(2, records.Count);
        Assert.Equal(64, records[0].CapturedLength);
        Assert.Equal(1_500_000_000L, records[0].Ns);
        Assert.Equal(64, records[1].CapturedLength); // 70 cut to the snapshot length 50 + 14
        Assert.Equal(90, records[1].TotalLength);
        Assert.Equal(Frame.AsSpan(0, 64).ToArray(), records[1].Data);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(0x80000000u)]
    [InlineData(0xFFFFFFFFu)]
    public void Pcap_snaplen_0_or_above_2_pow_31_means_262144(uint snapLength)
    {
        byte[] big = new byte[100_000];
        var b = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, snapLength, 1).PcapRecord(1, 0, (uint)big.Length, (uint)big.Length, big);
        (List<FileRecordCopy> records, Exception? error) = Read(b);
        Assert.Null(error);
        Assert.Equal(big.Length, records.Single().CapturedLength);
    }

    [Theory]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0x7FFFFFFFu)]
    [InlineData(0x01000001u)]
    [InlineData(262145u)]
    public void Pcap_hostile_caplen_is_refused_without_allocating_it(uint captured)
    {
        byte[] file = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 0x7FFFFFFF, 1)
            .PcapRecord(1, 0, 10, 10, Frame.AsSpan(0, 10))
            .PcapRecord(1, 0, captured, 10, Frame.AsSpan(0, 10)).ToArray();
        using CaptureFileSource source = CaptureFileSource.Open(new MemoryStream(file), "hostile");
        Assert.Equal(CaptureStatus.Packet, source.NextPacketRef(out _));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CaptureFileException>(() => source.NextPacketRef(out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024, "the hostile length was allocated");
        Assert.Equal(24 + 16 + 10 + 8, e.Offset); // the caplen field of the second record
        Assert.Contains(captured.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
        Assert.Equal(CaptureStatus.Stopped, source.NextPacketRef(out _));
    }

    [Fact]
    public void Pcapng_lying_block_length_is_refused_without_buffering_it()
    {
        var b = new CaptureFileBuilder(false).Shb().Idb(1, 0).Epb(0, 1, Frame, 100);
        // Within MaxRecordLength: the reader waits for the bytes, which are not there.
        byte[] file = [.. b.ToArray(), .. BitConverter.GetBytes(6u), .. BitConverter.GetBytes(0x0003FFF0u), .. new byte[64]];
        long before = GC.GetAllocatedBytesForCurrentThread();
        (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(() => CaptureFileSource.Open(new MemoryStream(file), "lying",
            options: new CaptureFileOptions { BlockSize = 8192, BlockCount = 1 }));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2 * 1024 * 1024, "the claimed 16 MiB block was buffered");
        Assert.Single(records);
        var e = Assert.IsType<CaptureFileException>(error);
        Assert.Equal(b.ToArray().Length, e.Offset);
        Assert.Contains("cut short", e.Message, StringComparison.Ordinal);
        // Beyond it (16 MiB): refused at once, naming the option.
        byte[] overCap = [.. b.ToArray(), .. BitConverter.GetBytes(6u), .. BitConverter.GetBytes(0x00FFFFF0u), .. new byte[64]];
        var tooLong = Assert.IsType<CaptureFileRecordTooLargeException>(FileRecords.Read(overCap).Error);
        Assert.Equal(b.ToArray().Length, tooLong.Offset);
        Assert.Equal(0x00FFFFF0, tooLong.RecordLength);

        byte[] tooLarge = [.. b.ToArray(), .. BitConverter.GetBytes(6u), .. BitConverter.GetBytes(0x7FFFFFF0u), .. new byte[64]];
        Assert.Contains("more than the maximum", Assert.IsType<CaptureFileException>(FileRecords.Read(tooLarge).Error).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pcapng_interfaces_timestamps_and_packet_blocks(bool bigEndian)
    {
        var b = new CaptureFileBuilder(bigEndian).Shb()
            .Idb(1, 0, o => o.Option(9, [9]).Option(0, []))                               // ns
            .Idb(0, 64, o => { o.Option(9, [0x88]); o.U16(10).U16(8).U64(1000); })        // 2^-8 s, offset 1000 s
            .Block(0x0BAD, [1, 2, 3, 4])                                                  // unknown block: skipped
            .Epb(0, 5_000_000_123, Frame, 300, flags: 2)                                  // outbound
            .Epb(1, 256 * 3 + 128, Frame.AsSpan(0, 64).ToArray(), 100, flags: 1 | (3 << 2)) // inbound broadcast
            .Pb(1, 256, Frame.AsSpan(0, 10).ToArray(), 10)
            .Spb(100, Frame);
        (List<FileRecordCopy> records, Exception? error) = Read(b);
        Assert.Null(error);
        Assert.Equal(4, records.Count);
        Assert.Equal(5_000_000_123L, records[0].Ns);
        Assert.Equal(PacketType.Outgoing, records[0].Type);
        Assert.Equal(LinkType.Ethernet, records[0].LinkType);
        Assert.Equal(1003_500_000_000L, records[1].Ns);
        Assert.Equal(PacketType.Broadcast, records[1].Type);
        Assert.Equal(LinkType.Null, records[1].LinkType);
        Assert.Equal(1001_000_000_000L, records[2].Ns);
        Assert.Equal(PacketType.Unknown, records[2].Type);
        // Simple Packet Block: interface 0, no timestamp, caplen = min(len, snapshot 262144).
        Assert.Equal(0L, records[3].Ns);
        Assert.Equal(100, records[3].CapturedLength);
    }

    [Fact]
    public void Pcapng_section_of_unknown_major_version_is_skipped_to_the_next_section()
    {
        var b = new CaptureFileBuilder(false).Shb().Idb(1, 0).Epb(0, 1, Frame, 100)
            .Shb(major: 2).Idb(0, 0).Epb(0, 2, Frame, 100)
            .Shb().Idb(113, 0).Epb(0, 3, Frame, 100);
        (List<FileRecordCopy> records, Exception? error) = Read(b);
        Assert.Null(error);
        Assert.Equal([1_000L, 3_000L], records.Select(r => r.Ns));
        Assert.Equal([LinkType.Ethernet, LinkType.LinuxSll], records.Select(r => r.LinkType));
    }

    [Fact]
    public void Pcapng_sections_may_switch_byte_order()
    {
        var b = new CaptureFileBuilder(false).Shb().Idb(1, 0).Epb(0, 1, Frame, 100);
        b.BigEndian = true;
        b.Shb().Idb(1, 0).Epb(0, 2, Frame, 100);
        Assert.Equal([1_000L, 2_000L], Read(b).Records.Select(r => r.Ns));
    }

    [Theory]
    [InlineData("packet names interface 1")]
    [InlineData("more than one if_tsresol")]
    [InlineData("if_tsoffset option of length 4")]
    [InlineData("end-of-options option of length 4")]
    [InlineData("bigger than the interface's snapshot length 64")]
    [InlineData("if_tsresol 10^-20")]
    public void Pcapng_damage_is_reported_after_the_records_before_it(string problem)
    {
        var b = new CaptureFileBuilder(false).Shb().Idb(1, 64).Epb(0, 1, Frame.AsSpan(0, 10).ToArray(), 10);
        long offset = b.ToArray().Length;
        _ = problem switch
        {
            "packet names interface 1" => b.Epb(1, 1, Frame, 100),
            "more than one if_tsresol" => b.Idb(1, 64, o => o.Option(9, [6]).Option(9, [6])),
            "if_tsoffset option of length 4" => b.Idb(1, 64, o => o.Option(10, [0, 0, 0, 0])),
            "end-of-options option of length 4" => b.Idb(1, 64, o => o.Option(0, [0, 0, 0, 0])),
            "bigger than the interface's snapshot length 64" => b.Epb(0, 1, Frame, 100),
            _ => b.Idb(1, 64, o => o.Option(9, [20])),
        };
        b.Epb(0, 2, Frame.AsSpan(0, 10).ToArray(), 10);
        (List<FileRecordCopy> records, Exception? error) = Read(b);
        Assert.Single(records);
        var e = Assert.IsType<CaptureFileException>(error);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Equal(offset, e.Offset);
    }

    [Theory]
    [InlineData(new byte[] { 0xd4, 0xc3 })]
    [InlineData(new byte[] { 0x00, 0x01, 0x02, 0x03, 0x04 })]
    [InlineData(new byte[] { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4 })]
    [InlineData(new byte[] { 0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0 })]
    public void Not_a_capture_file_is_refused_at_open(byte[] file)
    {
        var e = Assert.Throws<CaptureFileException>(() => CaptureFileSource.Open(new MemoryStream(file), "junk"));
        Assert.Contains("not a capture file", e.Message, StringComparison.Ordinal);
    }
}
