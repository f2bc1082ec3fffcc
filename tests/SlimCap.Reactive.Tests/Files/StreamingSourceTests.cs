using System.IO.Pipelines;
using SlimCap.Reactive.Files;
using SlimCap.Reactive.Packets;
using SlimCap.Reactive.Tests.Infrastructure;

namespace SlimCap.Reactive.Tests.Files;

/// <summary>A file source over a live, slow stream (as stdin from tcpdump -w -): prompt blocks, Unblock, Dispose while blocked.</summary>
public class StreamingSourceTests
{
    private static byte[] Header() => new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 65535, 1).ToArray();

    private static byte[] Record(uint seconds) => new CaptureFileBuilder(false).PcapRecord(seconds, 0, 60, 60, TestBlocks.Frame(60)).ToArray();

    [Fact(Timeout = 30_000)]
    public async Task Records_arrive_without_waiting_for_a_full_block_and_Unblock_and_Dispose_wake_the_reader()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Header(), TestContext.Current.CancellationToken);
        using CaptureFileSource source = CaptureFileSource.Open(pipe.Reader.AsStream(), "live");
        (CaptureStatus Status, int Count) ReadOne()
        {
            CaptureStatus s = source.NextBlock(out PacketBlock? b);
            int n = b?.PacketCount ?? 0;
            b?.Dispose();
            return (s, n);
        }

        Task<CaptureStatus> blocked = Task.Factory.StartNew(() => source.NextBlock(out _), TaskCreationOptions.LongRunning);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(blocked.IsCompleted);
        source.Unblock();
        Assert.Equal(CaptureStatus.Unblocked, await blocked);

        // A wake requested while no read blocks is reported once, by the next read.
        source.Unblock();
        Assert.Equal(CaptureStatus.Unblocked, source.NextBlock(out _));
        Task<(CaptureStatus Status, int Count)> reading = Task.Factory.StartNew(ReadOne, TaskCreationOptions.LongRunning);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(reading.IsCompleted);

        // Two records arrive; the reader hands them out at once, though the block has room for many more
        // and the stream has not ended.
        await pipe.Writer.WriteAsync(Record(1).Concat(Record(2)).ToArray(), TestContext.Current.CancellationToken);
        (CaptureStatus status, int count) = await reading;
        Assert.Equal(CaptureStatus.Packet, status);
        if (count == 1)
        {
            (CaptureStatus Status, int Count) next = ReadOne();
            Assert.Equal(CaptureStatus.Packet, next.Status);
            count += next.Count;
        }
        Assert.Equal(2, count);

        blocked = Task.Factory.StartNew(() => source.NextBlock(out _), TaskCreationOptions.LongRunning);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(blocked.IsCompleted);
        source.Dispose();
        Assert.Equal(CaptureStatus.Stopped, await blocked);
        Assert.Throws<ObjectDisposedException>(() => source.NextBlock(out _));
        Assert.Equal(2, source.Stats.PacketsReceived);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_stream_cut_inside_a_record_ends_with_the_error_not_a_hang()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Header().Concat(Record(1)).Concat(Record(2)[..30]).ToArray(), TestContext.Current.CancellationToken);
        await pipe.Writer.CompleteAsync();
        using CaptureFileSource source = CaptureFileSource.Open(pipe.Reader.AsStream(), "cut");
        (int records, Exception? error) = await Task.Run(() =>
        {
            int n = 0;
            try
            {
                while (source.NextPacketRef(out _) == CaptureStatus.Packet) n++;
                return (n, (Exception?)null);
            }
            catch (Exception e)
            {
                return (n, e);
            }
        }, TestContext.Current.CancellationToken);
        Assert.Equal(1, records);
        var e = Assert.IsType<CaptureFileException>(error);
        Assert.Equal(24 + 16 + 60, e.Offset);
        Assert.Equal(CaptureStatus.Stopped, source.NextPacketRef(out _));
    }

    [Fact]
    public void Records_larger_than_a_block_get_a_block_of_their_own_and_memory_stays_bounded()
    {
        var b = new CaptureFileBuilder(false).PcapHeader(0xA1B2C3D4, 2, 4, 0, 1);
        for (uint i = 0; i < 20; i++) b.PcapRecord(i, 0, 200_000, 200_000, new byte[200_000]).PcapRecord(i, 1, 60, 60, TestBlocks.Frame(60));
        using CaptureFileSource source = CaptureFileSource.Open(new MemoryStream(b.ToArray()), "large", options: new CaptureFileOptions { BlockSize = 16 * 1024, BlockCount = 2 });
        int count = 0;
        long allocatedAfterFirst = 0;
        while (source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
        {
            foreach (PacketRef p in block!) count++;
            block.Dispose();
            if (count == 2) allocatedAfterFirst = GC.GetAllocatedBytesForCurrentThread();
        }
        Assert.Equal(40, count);
        // One large block is kept and reused; the pipe buffers one record at a time.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedAfterFirst < 2 * 1024 * 1024);
    }

    [Fact]
    public void A_held_block_keeps_its_records_while_later_blocks_reuse_the_pipe_buffers()
    {
        string path = Corpus.PathOf("files", "tcpdump-afs.pcap");
        List<FileRecordCopy> expected = FileRecords.Read(() => CaptureFileSource.Open(path)).Records;
        var options = new CaptureFileOptions { BlockSize = 16 * 1024, BlockCount = 2, ReadBufferSize = 4096 };
        using CaptureFileSource source = CaptureFileSource.Open(path, options);
        Assert.Equal(CaptureStatus.Packet, source.NextBlock(out PacketBlock? held));
        var seen = new List<byte[]>();
        foreach (PacketRef p in held!) seen.Add(p.Data.ToArray());
        PacketRef first = held.GetEnumerator() is var e && e.MoveNext() ? e.Current : default;
        int later = 0;
        while (source.NextBlock(out PacketBlock? block) == CaptureStatus.Packet)
        {
            foreach (PacketRef p in block!) seen.Add(p.Data.ToArray());
            block.Dispose();
            later++;
        }
        Assert.True(later > 10);
        // Records are views: only those split across two 4 KiB pipe buffers were copied.
        Assert.InRange(source.CopiedRecords, 1, expected.Count / 2);
        // Every record of the held block still reads as it did, after the pipe moved far beyond it.
        int i = 0;
        foreach (PacketRef p in held) Assert.Equal(expected[i++].Data, p.Data.ToArray());
        Assert.Equal(expected.Select(r => r.Data), seen);
        held.Dispose();
        Assert.Throws<ObjectDisposedException>(() => first.Data.Length);
    }
}
