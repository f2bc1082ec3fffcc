using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// Memory is bounded by <see cref="CaptureFileOptions.MaxRecordLength"/>, not by what a file claims: a longer record
/// is refused before it is buffered, raising the cap reads it within <see cref="CaptureFileOptions.MaxMemory"/>, and
/// pcapng blocks that hold no records stream past unbuffered, whatever their length.
/// </summary>
public class RecordCapTests
{
    private const uint Dbus = 231; // libpcap allows 128 MiB records for it
    private const int Mib = 1024 * 1024;

    private static byte[] DbusPcapStart(int smallRecords)
    {
        var b = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 0, Dbus);
        for (uint i = 0; i < smallRecords; i++) b.PcapRecord(i, 0, 60, 60, TestBlocks.Frame(60));
        return b.ToArray();
    }

    private static byte[] RecordHeader(uint seconds, uint captured) => new CaptureFileBuilder(false).U32(seconds).U32(0).U32(captured).U32(captured).ToArray();

    private static (int Records, Exception? Error, long Allocated) ReadCounting(Func<CaptureFileSource> open)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        int records = 0;
        Exception? error = null;
        try
        {
            using CaptureFileSource source = open();
            while (source.NextPacketRef(out _) == CaptureStatus.Packet) records++;
        }
        catch (CaptureFileException e)
        {
            error = e;
        }
        return (records, error, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_record_longer_than_the_cap_is_refused_before_it_is_buffered(bool gzip)
    {
        // Three 128 MiB records of a link type whose libpcap limit allows them (gzip: three 16 MiB ones, cheaper to make).
        uint claimed = gzip ? 16u * Mib : 128u * Mib;
        byte[] start = DbusPcapStart(2);
        Func<Stream> stream;
        if (gzip)
        {
            var plain = new MemoryStream();
            plain.Write(start);
            for (uint i = 0; i < 3; i++)
            {
                plain.Write(RecordHeader(10 + i, claimed));
                plain.Write(new byte[claimed]);
            }
            byte[] compressed = SmallCaptureFiles.Gzip(plain.ToArray());
            stream = () => new MemoryStream(compressed);
        }
        else
        {
            stream = () =>
            {
                var s = new SyntheticStream().Bytes(start);
                for (uint i = 0; i < 3; i++) s.Bytes(RecordHeader(10 + i, claimed)).Zeros(claimed);
                return s;
            };
        }
        var options = new CaptureFileOptions();
        (int records, Exception? error, long allocated) = ReadCounting(() => CaptureFileSource.Open(stream(), "dbus", options: options));
        Assert.Equal(2, records);
        var e = Assert.IsType<CaptureFileRecordTooLargeException>(error);
        Assert.Equal(start.Length, e.Offset);
        Assert.Equal(claimed, e.RecordLength);
        Assert.Equal(262144, e.Limit);
        Assert.Equal("MaxRecordLength", e.OptionName);
        Assert.Contains("MaxRecordLength", e.Message);
        Assert.True(allocated < 2 * Mib, $"{allocated} bytes allocated to refuse a {claimed}-byte record");
    }

    [Fact]
    public void Raising_the_cap_reads_large_records_within_the_stated_memory()
    {
        var options = new CaptureFileOptions { MaxRecordLength = Mib };
        SyntheticStream Stream()
        {
            var s = new SyntheticStream().Bytes(DbusPcapStart(1));
            for (uint i = 0; i < 12; i++)
            {
                s.Bytes(RecordHeader(10 + i, Mib)).Zeros(Mib);
                s.Bytes(new CaptureFileBuilder(false).PcapRecord(20 + i, 0, 60, 60, TestBlocks.Frame(60)).ToArray());
            }
            return s;
        }
        (int records, Exception? error, long allocated) = ReadCounting(() => CaptureFileSource.Open(Stream(), "dbus-1m", options: options));
        Assert.Null(error);
        Assert.Equal(25, records);
        Assert.True(allocated <= options.MaxMemory, $"{allocated} bytes allocated, more than MaxMemory {options.MaxMemory}");

        // Holding as many blocks as the source leases (less one, or the single-threaded reader would wait forever).
        long before = GC.GetAllocatedBytesForCurrentThread();
        int held = 0;
        using (CaptureFileSource source = CaptureFileSource.Open(Stream(), "dbus-held", options: options))
        {
            var leased = new Queue<PacketBlock>();
            while (source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
            {
                held += block!.PacketCount;
                leased.Enqueue(block);
                if (leased.Count == options.BlockCount - 1) leased.Dequeue().Dispose();
            }
            while (leased.Count > 0) leased.Dequeue().Dispose();
        }
        long heldAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(25, held);
        Assert.True(heldAllocated <= options.MaxMemory, $"{heldAllocated} bytes allocated holding blocks, more than MaxMemory {options.MaxMemory}");
    }

    [Fact]
    public void Pcapng_blocks_without_records_stream_past_unbuffered_whatever_their_length()
    {
        var b = new CaptureFileBuilder(false);
        byte[] head = b.Shb().Idb((ushort)Dbus, 0).Epb(0, 1, TestBlocks.Frame(60), 60).ToArray();
        const uint unknownLength = 100u * Mib;
        byte[] UnknownHeader() => new CaptureFileBuilder(false).U32(0x0BAD).U32(unknownLength).ToArray();
        byte[] trailer = BitConverter.GetBytes(unknownLength);
        // A later section of an unknown major version is skipped whole: its blocks stream past too.
        var skipped = new CaptureFileBuilder(false).Shb(major: 2);
        byte[] skippedSection = skipped.ToArray();
        byte[] tail = new CaptureFileBuilder(false).Shb().Idb(1, 0).Epb(0, 2, TestBlocks.Frame(60), 60).ToArray();
        SyntheticStream Stream()
        {
            var s = new SyntheticStream().Bytes(head);
            for (int i = 0; i < 3; i++) s.Bytes(UnknownHeader()).Zeros(unknownLength - 12).Bytes(trailer);
            s.Bytes(skippedSection).Bytes(new CaptureFileBuilder(false).U32(6).U32(20u * Mib).ToArray()).Zeros(20 * Mib - 12).Bytes(BitConverter.GetBytes(20u * Mib));
            return s.Bytes(tail);
        }
        (int records, Exception? error, long allocated) = ReadCounting(() => CaptureFileSource.Open(Stream(), "unknown-blocks"));
        Assert.Null(error);
        Assert.Equal(2, records);
        Assert.True(allocated < 2 * Mib, $"{allocated} bytes allocated to skip 320 MiB of blocks without records");

        // A skipped block is still checked: a trailer that differs from its header is damage, at the block's offset.
        var damaged = new SyntheticStream().Bytes(head).Bytes(UnknownHeader()).Zeros(unknownLength - 12).Bytes(BitConverter.GetBytes(unknownLength - 4));
        var e = Assert.IsType<CaptureFileException>(ReadCounting(() => CaptureFileSource.Open(damaged, "bad-trailer")).Error);
        Assert.Equal(head.Length, e.Offset);
        Assert.Contains("trailer", e.Problem);
        var cut = new SyntheticStream().Bytes(head).Bytes(UnknownHeader()).Zeros(Mib);
        Assert.Contains("cut short", Assert.IsType<CaptureFileException>(ReadCounting(() => CaptureFileSource.Open(cut, "cut")).Error).Problem);
    }

    [Fact]
    public void A_pcapng_packet_longer_than_the_cap_is_refused_naming_the_option()
    {
        byte[] file = new CaptureFileBuilder(false).Shb().Idb((ushort)Dbus, 0).Epb(0, 1, TestBlocks.Frame(60), 60)
            .Epb(0, 2, new byte[300_000], 300_000).ToArray();
        (int records, Exception? error, _) = ReadCounting(() => CaptureFileSource.Open(new MemoryStream(file), "big-epb"));
        Assert.Equal(1, records);
        var e = Assert.IsType<CaptureFileRecordTooLargeException>(error);
        Assert.Equal(300_000, e.RecordLength);
        (records, error, _) = ReadCounting(() => CaptureFileSource.Open(new MemoryStream(file), "big-epb", options: new CaptureFileOptions { MaxRecordLength = 300_000 }));
        Assert.Null(error);
        Assert.Equal(2, records);
    }
}
