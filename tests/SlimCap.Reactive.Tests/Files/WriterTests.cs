using System.Buffers.Binary;
using System.Threading.Tasks.Dataflow;
using SlimCap.Reactive.Dataflow;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>Writer features: VLAN reinsertion, packet direction, observer and Dataflow ownership, bounded buffering, empty files.</summary>
public class WriterTests
{
    [Theory]
    [InlineData(CaptureFileFormat.Pcap)]
    [InlineData(CaptureFileFormat.PcapNg)]
    public void Vlan_tag_is_put_back_after_the_mac_addresses(CaptureFileFormat format)
    {
        byte[] frame = TestBlocks.Frame(60);
        var output = new MemoryStream();
        using (PacketBlock block = TestBlocks.Create((frame, 5, PacketType.Host, LinkType.Ethernet, 0, 0x2064, true), (frame, 6, PacketType.Host, LinkType.Ethernet, 0, 0, false)))
        using (CaptureFileWriter writer = CaptureFileWriter.Create(output, format, "vlan", leaveOpen: true, new CaptureFileWriterOptions { ReinsertVlanTags = true }))
        {
            writer.Write(block);
        }
        (List<FileRecordCopy> records, Exception? error) = FileRecords.Read(output.ToArray());
        Assert.Null(error);
        Assert.Equal([.. frame[..12], 0x81, 0x00, 0x20, 0x64, .. frame[12..]], records[0].Data);
        Assert.Equal(frame.Length + 10 + 4, records[0].TotalLength);
        Assert.Equal(frame, records[1].Data); // untagged frames are unchanged
    }

    [Fact]
    public void Without_the_option_frames_are_written_as_captured()
    {
        byte[] frame = TestBlocks.Frame(60);
        var output = new MemoryStream();
        using (PacketBlock block = TestBlocks.Create((frame, 5, PacketType.Host, LinkType.Ethernet, 0, 0x2064, true)))
        using (CaptureFileWriter writer = CaptureFileWriter.Create(output, CaptureFileFormat.PcapNg, "vlan", leaveOpen: true))
        {
            writer.Write(block);
        }
        Assert.Equal(frame, FileRecords.Read(output.ToArray()).Records.Single().Data);
    }

    [Fact]
    public void Pcapng_keeps_packet_direction_and_interfaces()
    {
        PacketType[] types = [PacketType.Host, PacketType.Broadcast, PacketType.Multicast, PacketType.OtherHost, PacketType.Outgoing, PacketType.Unknown];
        var output = new MemoryStream();
        PcapNgFileWriter writer = Assert.IsType<PcapNgFileWriter>(CaptureFileWriter.Create(output, CaptureFileFormat.PcapNg, "dir", leaveOpen: true));
        using (PacketBlock block = TestBlocks.Create(types.Select((t, i) => (TestBlocks.Frame(40), (long)i, t, i % 2 == 0 ? LinkType.Ethernet : LinkType.Raw, 7, (ushort)0, false)).ToArray()))
        {
            writer.Write(block);
        }
        writer.Dispose();
        Assert.Equal(2, writer.InterfaceCount);
        List<FileRecordCopy> records = FileRecords.Read(output.ToArray()).Records;
        Assert.Equal(types, records.Select(r => r.Type));
        Assert.Equal(types.Select((_, i) => i % 2 == 0 ? LinkType.Ethernet : LinkType.Raw), records.Select(r => r.LinkType));
    }

    [Fact]
    public void Observer_disposes_each_block_and_on_error_still_completes_a_readable_file()
    {
        var output = new MemoryStream();
        CaptureFileWriter writer = CaptureFileWriter.Create(output, CaptureFileFormat.Pcap, "observer", leaveOpen: true);
        PacketBlock first = TestBlocks.Simple(3), second = TestBlocks.Simple(2);
        IObserver<PacketBlock> observer = writer;
        observer.OnNext(first);
        observer.OnNext(second);
        Assert.False(first.IsLeased);
        Assert.False(second.IsLeased);
        observer.OnError(new InvalidOperationException("capture failed"));
        Assert.True(writer.IsCompleted);
        Assert.Equal(5, FileRecords.Read(output.ToArray()).Records.Count);
        Assert.Throws<ObjectDisposedException>(() => observer.OnNext(TestBlocks.Simple(1)));
    }

    [Fact]
    public async Task Dataflow_target_writes_disposes_and_completes_the_file()
    {
        var output = new MemoryStream();
        CaptureFileWriter writer = CaptureFileWriter.Create(output, CaptureFileFormat.PcapNg, "dataflow", leaveOpen: true);
        ITargetBlock<PacketBlock> target = writer.AsTargetBlock(boundedCapacity: 2);
        var blocks = Enumerable.Range(0, 20).Select(i => TestBlocks.Simple(3, firstNs: i * 10L)).ToList();
        foreach (PacketBlock block in blocks) Assert.True(await target.SendAsync(block, TestContext.Current.CancellationToken));
        target.Complete();
        await target.Completion;
        Assert.All(blocks, b => Assert.False(b.IsLeased));
        Assert.True(writer.IsCompleted);
        List<FileRecordCopy> records = FileRecords.Read(output.ToArray()).Records;
        Assert.Equal(60, records.Count);
        Assert.Equal(blocks.SelectMany(_ => Enumerable.Range(0, 3)).Select((_, i) => i / 3 * 10L + i % 3), records.Select(r => r.Ns));
    }

    [Fact]
    public async Task Dataflow_target_fault_writes_what_it_holds_and_reports_the_fault()
    {
        var output = new MemoryStream();
        CaptureFileWriter writer = CaptureFileWriter.Create(output, CaptureFileFormat.Pcap, "dataflow", leaveOpen: true);
        ITargetBlock<PacketBlock> target = writer.AsTargetBlock();
        PacketBlock block = TestBlocks.Simple(4);
        Assert.True(target.Post(block));
        target.Fault(new TimeoutException("upstream"));
        await Assert.ThrowsAsync<TimeoutException>(() => target.Completion);
        Assert.False(block.IsLeased);
        Assert.Equal(4, FileRecords.Read(output.ToArray()).Records.Count);
    }

    [Fact]
    public async Task Dataflow_target_write_error_disposes_the_rest_and_faults()
    {
        var output = new MemoryStream();
        CaptureFileWriter writer = CaptureFileWriter.Create(output, CaptureFileFormat.Pcap, "dataflow", leaveOpen: true);
        ITargetBlock<PacketBlock> target = writer.AsTargetBlock(boundedCapacity: 8);
        PacketBlock ethernet = TestBlocks.Simple(1), raw = TestBlocks.Simple(1, linkType: LinkType.Raw), after = TestBlocks.Simple(1);
        Assert.True(target.Post(ethernet));
        Assert.True(target.Post(raw));
        Assert.True(target.Post(after));
        target.Complete();
        var e = await Assert.ThrowsAsync<CaptureFileException>(() => target.Completion);
        Assert.Contains("pcapng", e.Message, StringComparison.Ordinal);
        Assert.False(raw.IsLeased);
        Assert.False(after.IsLeased);
        Assert.Single(FileRecords.Read(output.ToArray()).Records);
    }

    [Fact]
    public void Buffering_is_bounded_by_the_flush_threshold()
    {
        var output = new MemoryStream();
        using CaptureFileWriter writer = CaptureFileWriter.Create(output, CaptureFileFormat.Pcap, "bounded", leaveOpen: true, new CaptureFileWriterOptions { FlushThreshold = 4096 });
        for (int i = 0; i < 200; i++)
        {
            using PacketBlock block = TestBlocks.Simple(1, firstNs: i);
            writer.Write(block);
            Assert.True(writer.BytesWritten - output.Length <= 4096 + 200, $"{writer.BytesWritten - output.Length} bytes held back");
        }
        Assert.True(output.Length > 0);
    }

    [Theory]
    [InlineData(CaptureFileFormat.Pcap)]
    [InlineData(CaptureFileFormat.PcapNg)]
    public void Empty_files_are_valid_and_tcpdump_reads_them(CaptureFileFormat format)
    {
        string path = Path.Combine(Path.GetTempPath(), $"slimcap-empty-{Guid.NewGuid():N}.{(format == CaptureFileFormat.PcapNg ? "pcapng" : "pcap")}");
        try
        {
            using (CaptureFileWriter writer = CaptureFileWriter.Create(path, new CaptureFileWriterOptions { EmptyFileLinkType = LinkType.Raw }))
                Assert.Equal(format, writer.Format);
            using (CaptureFileSource source = CaptureFileSource.Open(path))
            {
                Assert.Equal(LinkType.Raw, source.LinkType);
                Assert.Equal(CaptureStatus.Stopped, source.NextPacketRef(out _));
            }
            if (Tcpdump.Path is null) Assert.Skip("tcpdump is not installed; the file was checked with our reader only.");
            (int exit, byte[] stdout, string stderr) = Tcpdump.Run("-r", path, "-w", "-");
            Assert.True(exit == 0, stderr);
            Assert.Equal(24, stdout.Length);
            Assert.Equal(101u, BinaryPrimitives.ReadUInt32LittleEndian(stdout.AsSpan(20)) & 0xFFFF);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Records_longer_than_the_snapshot_length_are_cut_to_it()
    {
        var output = new MemoryStream();
        using (CaptureFileWriter writer = CaptureFileWriter.Create(output, CaptureFileFormat.PcapNg, "snap", leaveOpen: true, new CaptureFileWriterOptions { SnapLength = 50 }))
        using (PacketBlock block = TestBlocks.Simple(1))
        {
            writer.Write(block);
        }
        FileRecordCopy record = FileRecords.Read(output.ToArray()).Records.Single();
        Assert.Equal(50, record.CapturedLength);
        Assert.Equal(70, record.TotalLength);
    }
}
