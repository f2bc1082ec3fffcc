using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>
/// The readers parse records that lie whole in the current pipe segment from its span (the fast path) and
/// everything else through the general path. Read from one large buffer, a file takes the fast path almost
/// throughout; read from a stream of small random chunks, nearly every record is split and goes the general
/// way. Both must give the same records, the same blocks' budgets and the same damage at the same offset.
/// </summary>
public sealed class SegmentFastPathTests
{
    private static readonly CaptureFileOptions SmallBlocks = new() { BlockSize = 4096, BlockCount = 2, PublishPartialBlocks = false }; // same blocks from a pipe as from a file

    private sealed record Seen(long Ns, ushort Carry, int Captured, long Total, LinkType LinkType, PacketType Type, int Interface, int IpLayerOffset, string Data);

    private static (List<Seen> Records, List<int> BlockCounts, Exception? Error, long Copied) Read(Stream stream)
    {
        var records = new List<Seen>();
        var blocks = new List<int>();
        Exception? error = null;
        long copied;
        using (CaptureFileSource source = CaptureFileSource.Open(stream, "memory", options: SmallBlocks))
        {
            try
            {
                while (source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
                {
                    blocks.Add(block!.PacketCount);
                    foreach (PacketRef p in block)
                        records.Add(new Seen(p.TimestampNanoseconds, p.TimestampCarrySeconds, p.CapturedLength, p.TotalLength, p.LinkType,
                            p.Type, p.InterfaceIndex, p.IpLayerOffset, Convert.ToHexString(p.Data)));
                    block.Dispose();
                }
            }
            catch (CaptureFileException e)
            {
                error = e;
            }
            copied = source.CopiedRecords;
        }
        return (records, blocks, error, copied);
    }

    private static void AssertSameAsChunked(byte[] file, int expectedRecords, long? expectedErrorOffset = null)
    {
        var whole = Read(new MemoryStream(file, writable: false));
        var chunked = Read(new ChunkedStream(file, 7, 37));
        Assert.Equal(expectedRecords, whole.Records.Count);
        // The whole file fits in few pipe segments: almost every record was taken by the fast path as a view.
        Assert.True(whole.Copied < expectedRecords / 10, $"{whole.Copied} of {expectedRecords} records copied");
        Assert.Equal(chunked.Records, whole.Records);
        Assert.Equal(chunked.BlockCounts, whole.BlockCounts);
        Assert.True(whole.BlockCounts.Count > 3);
        if (expectedErrorOffset is { } offset)
        {
            Assert.Equal(offset, Assert.IsType<CaptureFileException>(whole.Error).Offset);
            Assert.Equal(offset, Assert.IsType<CaptureFileException>(chunked.Error).Offset);
            Assert.Equal(chunked.Error!.Message, whole.Error!.Message);
        }
        else
        {
            Assert.Null(whole.Error);
            Assert.Null(chunked.Error);
        }
    }

    [Theory]
    [InlineData(false, 0xA1B2C3D4u, 4)]
    [InlineData(true, 0xA1B2C3D4u, 4)]
    [InlineData(false, 0xA1B23C4Du, 4)]
    [InlineData(true, 0xA1B2C3D4u, 2)] // lengths stored swapped
    public void Pcap_records_read_from_the_segment_equal_those_of_the_general_path(bool bigEndian, uint magic, ushort minor)
    {
        var b = new CaptureFileBuilder(bigEndian).PcapHeader(magic, 2, minor, 100, 1);
        for (uint i = 0; i < 500; i++)
        {
            int captured = 40 + (int)(i % 90); // above 100 is cut to the snapshot length
            uint fraction = i % 7 == 0 ? 1_500_000u + i : i * 1000; // some fractions carry whole seconds
            uint wire = (uint)captured + i % 3;
            if (minor == 2) b.PcapRecord(1_700_000_000 + i, fraction, wire, (uint)captured, TestBlocks.Frame(captured));
            else b.PcapRecord(1_700_000_000 + i, fraction, (uint)captured, wire, TestBlocks.Frame(captured));
        }
        AssertSameAsChunked(b.ToArray(), 500);
    }

    [Fact]
    public void Pcap_damage_after_records_in_the_segment_is_reported_at_its_offset()
    {
        var b = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 0, 1);
        for (uint i = 0; i < 300; i++) b.PcapRecord(i, 0, 60, 60, TestBlocks.Frame(60));
        b.PcapRecord(300, 0, 300_000, 300_000, []); // caplen above the link type's maximum
        AssertSameAsChunked(b.ToArray(), 300, 24 + 300 * 76 + 8);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pcapng_records_read_from_the_segment_equal_those_of_the_general_path(bool bigEndian)
    {
        var b = new CaptureFileBuilder(bigEndian).Shb().Idb(1, 0).Idb(101, 80, o => o.Option(9, [9]));
        for (uint i = 0; i < 600; i++)
        {
            byte[] data = TestBlocks.Frame(40 + (int)(i % 37));
            if (i % 50 == 7) b.Spb((uint)data.Length, data);
            else if (i % 50 == 9) b.Block(5, new byte[20]); // an Interface Statistics Block, skipped
            else b.Epb(i % 2, 1_700_000_000_000_000UL + i * 1001, data, (uint)data.Length + i % 4, i % 3 == 0 ? null : i % 3);
        }
        AssertSameAsChunked(b.ToArray(), 588);
    }

    [Fact]
    public void Pcapng_damage_after_records_in_the_segment_is_reported_at_its_offset()
    {
        var b = new CaptureFileBuilder(false).Shb().Idb(1, 0);
        for (uint i = 0; i < 300; i++) b.Epb(0, i, TestBlocks.Frame(60), 60);
        byte[] good = b.ToArray();
        byte[] file = [.. good, .. new CaptureFileBuilder(false).Epb(3, 0, TestBlocks.Frame(60), 60).ToArray()]; // an interface that does not exist
        AssertSameAsChunked(file, 300, good.Length);
    }
}
